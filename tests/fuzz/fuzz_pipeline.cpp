// libFuzzer target: nodehost's pipeline loader. The input is a pipeline file's text, written
// to one file in a temporary directory (made once per process under $TMPDIR or /tmp) and
// loaded with nodehost::load_pipeline, with a fuzz build of the 3CX plugin as an extra plugin
// (so credential types and node types resolve; kept loaded for the whole process).
//
// Inputs are skipped (not loaded) when any string in them is an absolute path or holds "..",
// so that every path the loader opens (credential files, plugins) stays inside the temporary
// directory, and when they nest deeper than 64 levels (nodehost's JSON reader is being made
// strict about depth separately).
//
// Invariants (a violation aborts):
//  - load_pipeline throws nothing but nodehost::PipelineError (pipeline.hpp), with a message;
//  - a pipeline it accepts has steps, unique step names, each step's input an earlier step,
//    every plugin step's node in its plugin, and every host step a parameters.path.
#include "pipeline.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#ifndef WFNODE_FUZZ_PLUGIN
#error "WFNODE_FUZZ_PLUGIN must name the plugin module to load"
#endif

namespace {

using rapidjson::Value;

std::string g_dir, g_path;
std::string_view g_input;

[[noreturn]] void violated(const char *what, const std::string &detail) {
    std::fprintf(stderr, "fuzz_pipeline: invariant violated: %s\n  %s\n  input: %.*s\n", what, detail.c_str(),
                 static_cast<int>(g_input.size() > 2000 ? 2000 : g_input.size()), g_input.data());
    std::abort();
}

#define CHECK(cond, detail)                              \
    do {                                                 \
        if (!(cond)) violated(#cond, std::string(detail)); \
    } while (0)

bool unsafe_path(const Value &s) {
    const std::string_view text(s.GetString(), s.GetStringLength());
    return (!text.empty() && text[0] == '/') || text.find("..") != std::string_view::npos;
}

// True when the input should not be loaded: too deep, or a string that could lead the loader
// out of the temporary directory.
bool skip(std::string_view text) {
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
    if (doc.HasParseError()) return false;  // the loader's reader refuses it too: nothing opened
    std::vector<std::pair<const Value *, size_t>> stack{{&doc, 1}};
    while (!stack.empty()) {
        auto [v, depth] = stack.back();
        stack.pop_back();
        if (depth > 64) return true;
        if (v->IsString() && unsafe_path(*v)) return true;
        if (v->IsObject()) {
            for (const auto &m : v->GetObject()) {
                if (unsafe_path(m.name)) return true;
                stack.emplace_back(&m.value, depth + 1);
            }
        } else if (v->IsArray()) {
            for (const auto &e : v->GetArray()) stack.emplace_back(&e, depth + 1);
        }
    }
    return false;
}

void cleanup() {
    std::error_code ec;
    if (!g_dir.empty()) std::filesystem::remove_all(g_dir, ec);
}

void check_pipeline(const nodehost::Pipeline &p) {
    CHECK(!p.steps.empty(), "accepted a pipeline without steps");
    std::set<std::string> names;
    for (size_t i = 0; i < p.steps.size(); ++i) {
        const nodehost::Step &s = p.steps[i];
        CHECK(names.insert(s.name).second, "two steps named " + s.name);
        if (s.input_step) CHECK(*s.input_step < i, "step " + s.name + " reads a later step");
        if (s.plugin) {
            CHECK(s.plugin->find_node(s.node) != nullptr, "step " + s.name + ": its plugin lacks node " + s.node);
        } else {
            CHECK(nodehost::is_host_step(s.node), "step " + s.name + ": neither a plugin node nor a host step: " + s.node);
            CHECK(s.parameters.IsObject() && s.parameters.HasMember("path") && s.parameters["path"].IsString(),
                  "host step " + s.name + " without parameters.path");
        }
        CHECK(s.parameters.IsObject(), "step " + s.name + ": parameters are not an object");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    const char *tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/fuzz_pipeline.XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) {
        std::perror("fuzz_pipeline: mkdtemp");
        std::abort();
    }
    g_dir = buf.data();
    g_path = g_dir + "/pipeline.json";
    std::atexit(cleanup);
    // Held for the whole process: each load_pipeline opens the plugin again (a reference
    // count), and the module's coverage counters must never be unloaded under libFuzzer.
    try {
        static const wfnode::Plugin keep(WFNODE_FUZZ_PLUGIN);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "fuzz_pipeline: cannot load %s: %s\n", WFNODE_FUZZ_PLUGIN, e.what());
        std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    g_input = text;
    if (skip(text)) return 0;
    if (FILE *f = std::fopen(g_path.c_str(), "wb")) {
        const bool ok = std::fwrite(data, 1, size, f) == size;
        if (std::fclose(f) != 0 || !ok) violated("writing the pipeline file", g_path);
    } else {
        violated("opening the pipeline file", g_path);
    }
    try {
        nodehost::Pipeline p = nodehost::load_pipeline(g_path, {WFNODE_FUZZ_PLUGIN});
        check_pipeline(p);
    } catch (const nodehost::PipelineError &e) {
        CHECK(*e.what() != '\0', "a PipelineError without a message");
    } catch (const std::exception &e) {
        violated("load_pipeline threw something other than PipelineError",
                 std::string(typeid(e).name()) + ": " + e.what());
    }
    return 0;
}
