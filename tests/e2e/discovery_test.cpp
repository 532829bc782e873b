// Plugin discovery: the search path's order, two plugins offering one node type, a broken
// file on the path, and `nodehost run` finding its plugins without being told.
#include "emulator_process.hpp"

#include <doctest/doctest.h>
#include <wfnode/discovery.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace testsupport;
namespace fs = std::filesystem;

namespace {

// Scratch folders to put plugins in; removed afterwards.
struct Folders {
    fs::path root;
    Folders() {
        char tmpl[] = "/tmp/discovery-test-XXXXXX";
        root = mkdtemp(tmpl);
    }
    ~Folders() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    // Copies `file` into the folder `name` (created) as `as`; returns the copy's path.
    std::string put(const std::string &name, const std::string &file, const std::string &as) const {
        fs::create_directories(root / name);
        fs::copy_file(file, root / name / as, fs::copy_options::overwrite_existing);
        return (root / name / as).string();
    }
    std::string dir(const std::string &name) const { return (root / name).string(); }
    std::string write(const std::string &name, const std::string &text) const {
        std::ofstream(root / name) << text;
        return (root / name).string();
    }
};

// nodehost with WFNODE_PLUGIN_PATH set to `path` (no shell involved).
CommandResult nodehost_with_path(const std::string &path, std::vector<std::string> args) {
    std::vector<std::string> argv{"/usr/bin/env", "WFNODE_PLUGIN_PATH=" + path, NODEHOST_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

size_t count(const std::string &text, const std::string &what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("the search path is WFNODE_PLUGIN_PATH in order then the install's plugin folder") {
    ::setenv("WFNODE_PLUGIN_PATH", "/a::/b:", 1);
    auto path = wfnode::plugin_search_path();
    ::unsetenv("WFNODE_PLUGIN_PATH");
    REQUIRE(path.size() == 3);
    CHECK(path[0] == "/a");
    CHECK(path[1] == "/b");
    CHECK(path[2] == wfnode::installed_plugin_dir());
    CHECK(wfnode::installed_plugin_dir().ends_with("/wfnode/plugins"));
    CHECK(wfnode::plugin_search_path() == std::vector<std::string>{wfnode::installed_plugin_dir()});
}

TEST_CASE("path order: the same plugin in two folders is taken from the first") {
    Folders f;
    const std::string a = f.put("a", PLUGIN_PATH, "libthreecx_wfnode.so");
    const std::string b = f.put("b", PLUGIN_PATH, "libthreecx_wfnode.so");
    auto ab = nodehost_with_path(f.dir("a") + ":" + f.dir("b"), {"list"});
    CHECK(ab.exit_code == 0);
    CHECK(ab.out.starts_with("com.threecx.wfnode\t3CX "));
    CHECK(ab.out.find("\t" + a + "\n  threecx.downloadChatHistory\tDownload Chat History\n  threecx.purgeChats\tPurge Chats\n") !=
          std::string::npos);
    CHECK(count(ab.out, "com.threecx.wfnode") == 1);
    CHECK(ab.err.find("not loaded: " + b + " (shadowed by " + a + ")") != std::string::npos);

    auto ba = nodehost_with_path(f.dir("b") + ":" + f.dir("a"), {"list"});
    CHECK(ba.exit_code == 0);
    CHECK(ba.out.find("\t" + b + "\n") != std::string::npos);
    CHECK(ba.out.find(a) == std::string::npos);
}

TEST_CASE("versions: nodehost --version and list show the ABI and the plugin's version") {
    auto v = run({NODEHOST_PATH, "--version"});
    CHECK(v.exit_code == 0);
    CHECK(v.out == std::string("nodehost ") + NODEHOST_VERSION + " (wfnode ABI " + wfnode::loader_abi_version() + ")\n");
    Folders f;
    f.put("a", PLUGIN_PATH, "libthreecx_wfnode.so");
    auto list = nodehost_with_path(f.dir("a"), {"list"});
    CHECK(list.out.starts_with(std::string("com.threecx.wfnode\t3CX ") + NODEHOST_VERSION + ", ABI " +
                               wfnode::loader_abi_version() + "\t"));
}

TEST_CASE("two plugins offering one node type are a clear error") {
    Folders f;
    const std::string one = f.put("a", NO_EXTENSIONS_PLUGIN_PATH, "one.so");
    const std::string two = f.put("b", ABI10_PLUGIN_PATH, "two.so");
    auto list = nodehost_with_path(f.dir("a") + ":" + f.dir("b"), {"list"});
    CHECK(list.exit_code == 1);
    CHECK(list.err.find("error: node type \"test.constant\" is offered by 2 plugins: " + one + " and " + two) !=
          std::string::npos);

    const std::string pipeline =
        f.write("p.json", R"({"steps": [{"name": "c", "node": "test.constant"}]})");
    auto run_found = nodehost_with_path(f.dir("a") + ":" + f.dir("b"), {"run", pipeline, "--quiet"});
    CHECK(run_found.exit_code == 2);
    CHECK(run_found.err.find("step \"c\": node type \"test.constant\" is offered by 2 plugins") != std::string::npos);

    // --plugin overrides the search path, so there is nothing to choose between.
    auto run_named = nodehost_with_path(f.dir("a") + ":" + f.dir("b"), {"run", pipeline, "--quiet", "--plugin", one});
    CHECK(run_named.exit_code == 0);
    CHECK(run_named.err == "");
}

TEST_CASE("a broken file on the path is skipped with a warning") {
    Folders f;
    const std::string good = f.put("a", PLUGIN_PATH, "libthreecx_wfnode.so");
    f.put("a", NOT_A_LIBRARY_PATH, "garbage.so");
    f.put("a", NOT_A_PLUGIN_PATH, "library.so");
    f.put("a", ABI2_PLUGIN_PATH, "abi2.so");
    f.write("a/notes.txt", "not a plugin, and not named like one");
    auto r = nodehost_with_path(f.dir("a"), {"list"});
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("\t" + good + "\n") != std::string::npos);
    CHECK(count(r.err, "nodehost: warning: skipped, not a usable plugin: ") == 3);
    CHECK(r.err.find("garbage.so as a shared library") != std::string::npos);
    CHECK(r.err.find("library.so is not a wfnode plugin") != std::string::npos);
    CHECK(r.err.find("abi2.so was built for wfnode ABI 2.0") != std::string::npos);
    CHECK(r.err.find("notes.txt") == std::string::npos);
}

TEST_CASE("nodehost run finds the plugin of each node type on the path") {
    EmulatorProcess emu({"--chats", "300"});
    Folders f;
    f.put("plugins", PLUGIN_PATH, "libthreecx_wfnode.so");
    f.write("pbx.json", emu.credentials());
    const std::string pipeline = f.write("p.json", R"({"credentials": {"pbx": {"type": "threecxApi", "file": "pbx.json"}},
      "steps": [{"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx",
                 "parameters": {"clientTimeZone": "UTC", "options": {"top": 7}}},
                {"name": "jsonl", "node": "host.writeJsonLines", "input": "export", "parameters": {"path": ")" +
                                                             (f.root / "out.jsonl").string() + R"("}}]})");
    auto found = nodehost_with_path(f.dir("plugins"), {"run", pipeline, "--verbose"});
    CHECK(found.exit_code == 0);
    CHECK(found.out.find("     plugin: com.threecx.wfnode " + std::string(NODEHOST_VERSION) + ", " + f.dir("plugins") +
                         "/libthreecx_wfnode.so\n") != std::string::npos);
    std::ifstream in(f.root / "out.jsonl");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(lines(text).size() == 7);

    auto nowhere = nodehost_with_path(f.dir("empty"), {"run", pipeline, "--quiet"});
    CHECK(nowhere.exit_code == 2);
    CHECK(nowhere.err.find("no plugin defines credential type \"threecxApi\" (0 plugin(s) named, and searched " +
                           f.dir("empty") + ":") != std::string::npos);
}
