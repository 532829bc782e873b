#include "pipeline.hpp"

#include <wfcommon/secret_fields.hpp>

#include "expressions.hpp"
#include "io.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

namespace nodehost {
namespace {

namespace fs = std::filesystem;

// Each host step's parameters: the required ones, then the optional ones.
struct HostStep {
    std::vector<std::string> required, optional;
    bool reads_input = true;
};
const std::map<std::string, HostStep> host_steps{
    {"host.readJsonLines", {{"path"}, {}, false}},
    {"host.writeJsonLines", {{"path"}, {"range"}}},
    {"host.writeCsv", {{"path"}, {}}},
    {"host.verifyArchive", {{"path"}, {}, false}},
    {"host.checkArchived", {{"archive", "export", "before"}, {}}},
};

std::string listed(const std::vector<std::string> &names) {
    std::string out;
    for (const auto &n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

std::string str_member(const rapidjson::Value &obj, const char *key, const std::string &where, bool required = true) {
    if (!obj.HasMember(key)) {
        if (required) throw PipelineError(where + ": \"" + key + "\" is required");
        return {};
    }
    if (!obj[key].IsString()) throw PipelineError(where + ": \"" + key + "\" must be a string");
    return obj[key].GetString();
}

std::string resolve(const std::string &dir, const std::string &path) {
    return fs::path(path).is_absolute() ? path : (fs::path(dir) / path).lexically_normal().string();
}

// The override (--plugin, the file's "plugins"; the last one named wins) offering a node or
// credential type, else the one plugin on the search path offering it (two is an error).
const wfnode::Plugin *plugin_offering(Pipeline &p, const std::string &name, bool node, const std::string &where) {
    const wfnode::Plugin *found = nullptr;
    for (const auto &plugin : p.plugins)
        if (node ? plugin->find_node(name) != nullptr : plugin->find_credential(name) != nullptr) found = plugin.get();
    if (found) return found;
    if (!p.discovered)
        p.discovered = std::make_unique<wfnode::PluginCatalog>(wfnode::PluginCatalog::discover(
            wfnode::plugin_search_path(), [&](const std::string &w) { p.warnings.push_back(w); }));
    try {
        return node ? p.discovered->find_node(name) : p.discovered->find_credential(name);
    } catch (const wfnode::DiscoveryError &e) {
        throw PipelineError(where + ": " + e.what());
    }
}

// Where plugins were looked for, for an error that found none.
std::string searched(const Pipeline &p) {
    std::string folders;
    for (const auto &f : wfnode::plugin_search_path()) folders += (folders.empty() ? "" : ":") + f;
    return std::to_string(p.plugins.size()) + " plugin(s) named, and searched " + folders;
}

// Builds one credential's JSON from its sources: a file, then environment variables, then
// inline values (for non-secrets; a secret written inline works but is warned about).
std::string build_credential(const std::string &name, const rapidjson::Value &spec, Pipeline &p,
                             std::vector<std::string> &warnings) {
    const std::string where = "credential \"" + name + "\"";
    if (!spec.IsObject()) throw PipelineError(where + ": must be an object");
    std::string type = str_member(spec, "type", where);
    const wfnode::Plugin *owner = plugin_offering(p, type, false, where);
    const wfnode_credential_def *def = owner ? owner->find_credential(type) : nullptr;
    if (!def)
        throw PipelineError(where + ": no plugin defines credential type \"" + type + "\" (" + searched(p) + ")");
    auto secrets = secret_fields(*def);

    rapidjson::Document out(rapidjson::kObjectType);
    auto &a = out.GetAllocator();
    auto set = [&](const std::string &field, const rapidjson::Value &v) {
        if (out.HasMember(field.c_str())) out[field.c_str()].CopyFrom(v, a);
        else out.AddMember(rapidjson::Value(field.c_str(), a), rapidjson::Value(v, a), a);
    };
    if (spec.HasMember("file")) {
        std::string file = resolve(p.directory, str_member(spec, "file", where));
        rapidjson::Document doc;
        try {
            doc = parse_json(inline_or_file("@" + file, where), where + " file " + file);
        } catch (const UsageError &e) {
            throw PipelineError(e.what());
        }
        if (!doc.IsObject()) throw PipelineError(where + ": file " + file + " must hold a JSON object");
        for (const auto &m : doc.GetObject()) set(m.name.GetString(), m.value);
    }
    if (spec.HasMember("env")) {
        if (!spec["env"].IsObject()) throw PipelineError(where + ": \"env\" must map fields to variable names");
        for (const auto &m : spec["env"].GetObject()) {
            if (!m.value.IsString()) throw PipelineError(where + ": env." + m.name.GetString() + " must name a variable");
            const char *value = std::getenv(m.value.GetString());
            if (!value)
                throw PipelineError(where + ": environment variable " + std::string(m.value.GetString()) + " (for " +
                                    m.name.GetString() + ") is not set");
            rapidjson::Value v;
            std::string text = value;
            if (text == "true" || text == "false") v.SetBool(text == "true");  // booleans such as ignoreTlsIssues
            else v.SetString(value, a);
            set(m.name.GetString(), v);
        }
    }
    if (spec.HasMember("values")) {
        if (!spec["values"].IsObject()) throw PipelineError(where + ": \"values\" must be an object");
        for (const auto &m : spec["values"].GetObject()) {
            if (secrets.count(m.name.GetString()))
                warnings.push_back(where + ": the secret field \"" + std::string(m.name.GetString()) +
                                   "\" is written inline in the pipeline file; read it from \"env\" or \"file\" instead");
            set(m.name.GetString(), m.value);
        }
    }
    return to_json(out);
}

// Names the steps of a cycle through "input", if any.
std::optional<std::string> find_cycle(const std::vector<std::string> &names, const std::vector<std::optional<size_t>> &input) {
    for (size_t start = 0; start < names.size(); ++start) {
        std::vector<size_t> path{start};
        std::set<size_t> seen{start};
        for (auto cur = input[start]; cur; cur = input[*cur]) {
            path.push_back(*cur);
            if (*cur == start) {
                std::string text;
                for (size_t i : path) text += (text.empty() ? "" : " -> ") + names[i];
                return text;
            }
            if (!seen.insert(*cur).second) break;
        }
    }
    return std::nullopt;
}

}  // namespace

// The secret fields of a credential type, by wfcommon's one rule over its schema.
std::set<std::string> secret_fields(const wfnode_credential_def &def) {
    rapidjson::Document schema;
    schema.Parse(def.schema_json);
    if (schema.HasParseError()) return {};
    auto names = wfcommon::secret_fields(schema);
    return {names.begin(), names.end()};
}

bool is_host_step(const std::string &node) { return host_steps.count(node) > 0; }

Pipeline load_pipeline(const std::string &path, const std::vector<std::string> &extra_plugins) {
    Pipeline p;
    p.directory = fs::path(path).parent_path().string();
    if (p.directory.empty()) p.directory = ".";
    rapidjson::Document doc;
    try {
        doc = parse_json(inline_or_file("@" + path, "pipeline"), "pipeline file " + path);
    } catch (const UsageError &e) {
        throw PipelineError(e.what());
    }
    if (!doc.IsObject()) throw PipelineError("pipeline file " + path + " must hold a JSON object");
    for (const auto &m : doc.GetObject()) {
        static const std::set<std::string> known{"name", "description", "plugins", "credentials", "state", "steps"};
        if (!known.count(m.name.GetString()))
            throw PipelineError("pipeline: unknown key \"" + std::string(m.name.GetString()) +
                                "\" (expected name, description, plugins, credentials, state, steps)");
    }
    if (doc.HasMember("state")) {
        if (!doc["state"].IsString() || doc["state"].GetStringLength() == 0)
            throw PipelineError("pipeline: \"state\" must be the path of the state file");
        p.state_path = resolve(p.directory, doc["state"].GetString());
    }
    p.name = doc.HasMember("name") && doc["name"].IsString() ? doc["name"].GetString() : fs::path(path).stem().string();

    std::vector<std::string> plugin_paths = extra_plugins;
    if (doc.HasMember("plugins")) {
        if (!doc["plugins"].IsArray()) throw PipelineError("pipeline: \"plugins\" must be a list of paths");
        for (const auto &v : doc["plugins"].GetArray()) {
            if (!v.IsString()) throw PipelineError("pipeline: \"plugins\" must be a list of paths");
            plugin_paths.push_back(resolve(p.directory, v.GetString()));
        }
    }
    for (const auto &pp : plugin_paths) {
        try {
            p.plugins.push_back(std::make_unique<wfnode::Plugin>(pp));
        } catch (const wfnode::LoadError &e) {
            throw PipelineError(std::string("pipeline: ") + e.what());
        }
    }

    std::map<std::string, std::string> credentials;
    if (doc.HasMember("credentials")) {
        if (!doc["credentials"].IsObject()) throw PipelineError("pipeline: \"credentials\" must be an object");
        for (const auto &m : doc["credentials"].GetObject())
            credentials[m.name.GetString()] = build_credential(m.name.GetString(), m.value, p, p.warnings);
    }

    if (!doc.HasMember("steps") || !doc["steps"].IsArray() || doc["steps"].Empty())
        throw PipelineError("pipeline: \"steps\" must be a non-empty list");
    const auto &steps = doc["steps"].GetArray();
    std::map<std::string, size_t> index;
    std::vector<std::string> names;
    for (rapidjson::SizeType i = 0; i < steps.Size(); ++i) {
        std::string where = "step " + std::to_string(i + 1);
        if (!steps[i].IsObject()) throw PipelineError(where + ": must be an object");
        std::string name = str_member(steps[i], "name", where);
        if (!index.emplace(name, i).second) throw PipelineError("step \"" + name + "\": the name is used twice");
        names.push_back(name);
    }

    std::vector<std::optional<size_t>> inputs(steps.Size());
    for (rapidjson::SizeType i = 0; i < steps.Size(); ++i) {
        const auto &s = steps[i];
        Step step;
        step.name = names[i];
        const std::string where = "step \"" + step.name + "\"";
        for (const auto &m : s.GetObject()) {
            static const std::set<std::string> known{"name", "node", "input", "credential", "parameters", "continueOnFail",
                                                     "description", "archivedBy"};
            if (!known.count(m.name.GetString()))
                throw PipelineError(where + ": unknown key \"" + std::string(m.name.GetString()) + "\"");
        }
        step.node = str_member(s, "node", where);
        if (!is_host_step(step.node)) {
            step.plugin = plugin_offering(p, step.node, true, where);
            if (!step.plugin)
                throw PipelineError(where + ": unknown node \"" + step.node + "\" (not a host step, and no plugin has it: " +
                                    searched(p) + ")");
        }
        if (s.HasMember("input")) {
            const auto &in = s["input"];
            std::string from;
            if (in.IsString()) from = in.GetString();
            else if (in.IsObject() && in.HasMember("step") && in["step"].IsString()) from = in["step"].GetString();
            else if (in.IsObject() && in.HasMember("file") && in["file"].IsString()) step.input_file = resolve(p.directory, in["file"].GetString());
            else throw PipelineError(where + ": \"input\" must be a step name, {\"step\": name} or {\"file\": path}");
            if (!from.empty()) {
                auto it = index.find(from);
                if (it == index.end()) throw PipelineError(where + ": input names an unknown step \"" + from + "\"");
                inputs[i] = it->second;
            }
        }
        if (s.HasMember("parameters")) {
            if (!s["parameters"].IsObject()) throw PipelineError(where + ": \"parameters\" must be an object");
            step.parameters.CopyFrom(s["parameters"], step.parameters.GetAllocator());
        } else {
            step.parameters.SetObject();
        }
        try {
            check_expressions(step.parameters, "parameters");
        } catch (const ExpressionError &e) {
            throw PipelineError(where + ": bad expression in " + e.what());
        }
        if (s.HasMember("continueOnFail")) step.continue_on_fail = s["continueOnFail"].IsTrue();
        if (step.plugin) {
            const char *needed = step.plugin->find_node(step.node)->credential_type;
            step.credential = str_member(s, "credential", where, needed != nullptr);
            if (!step.credential.empty()) {
                auto c = credentials.find(step.credential);
                if (c == credentials.end()) throw PipelineError(where + ": credential \"" + step.credential + "\" is not defined");
                step.credentials_json = c->second;
            }
        } else {
            const HostStep &host = host_steps.at(step.node);
            for (const auto &name : host.required)
                if (!step.parameters.HasMember(name.c_str()) || !step.parameters[name.c_str()].IsString())
                    throw PipelineError(where + ": " + step.node + " needs parameters." + name + " (a string)");
            // A misspelt parameter would be ignored silently.
            for (const auto &m : step.parameters.GetObject()) {
                const std::string name = m.name.GetString();
                if (std::find(host.required.begin(), host.required.end(), name) == host.required.end() &&
                    std::find(host.optional.begin(), host.optional.end(), name) == host.optional.end())
                    throw PipelineError(where + ": unknown parameter \"" + name + "\" (" + step.node + " takes " +
                                        listed(host.required) + (host.optional.empty() ? "" : " and " + listed(host.optional)) + ")");
            }
            // The writer's range is checked here for its shape and again, once evaluated, when
            // the file is written.
            if (step.parameters.HasMember("range")) {
                const auto &range = step.parameters["range"];
                if (!range.IsObject() || range.MemberCount() != 2 || !range.HasMember("from") || !range.HasMember("to"))
                    throw PipelineError(where + ": parameters.range must be {\"from\": ..., \"to\": ...}, the range the file covers");
            }
            if (host.reads_input && !s.HasMember("input"))
                throw PipelineError(where + ": " + step.node + " needs an \"input\" to " +
                                    (step.node == "host.checkArchived" ? "check (the PBX's chats of the period, read again)" : "write"));
            if (step.node == "host.checkArchived") {
                const std::string exporter = step.parameters["export"].GetString();
                auto it = index.find(exporter);
                if (it == index.end() || it->second >= i || !p.steps[it->second].plugin)
                    throw PipelineError(where + ": parameters.export must name an earlier plugin step (the export whose "
                                        "committed checkpoint bounds the check), not \"" + exporter + "\"");
                if (p.state_path.empty())
                    throw PipelineError(where + ": host.checkArchived needs the pipeline's \"state\", where the export's "
                                        "checkpoint is kept");
                step.export_step = it->second;
            }
        }
        if (s.HasMember("archivedBy")) {
            if (!step.plugin) throw PipelineError(where + ": \"archivedBy\" guards a plugin step, not a host step");
            const auto &by = s["archivedBy"];
            auto it = by.IsString() ? index.find(by.GetString()) : index.end();
            if (it == index.end() || it->second >= i || p.steps[it->second].node != "host.checkArchived")
                throw PipelineError(where + ": \"archivedBy\" must name an earlier host.checkArchived step");
            if (s.HasMember("input"))
                throw PipelineError(where + ": a step guarded by \"archivedBy\" runs once, on no input: remove \"input\"");
            step.archived_by = it->second;
        }
        p.steps.push_back(std::move(step));
    }
    if (auto cycle = find_cycle(names, inputs)) throw PipelineError("pipeline: the steps' inputs form a cycle: " + *cycle);
    for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i] && *inputs[i] >= i)
            throw PipelineError("step \"" + names[i] + "\": its input \"" + names[*inputs[i]] + "\" runs later; steps run in file order");
        p.steps[i].input_step = inputs[i];
        if (inputs[i]) p.steps[*inputs[i]].consumed = true;
    }
    return p;
}

}  // namespace nodehost
