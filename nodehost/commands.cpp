#include "commands.hpp"

#include "io.hpp"
#include "n8n_form.hpp"
#include "node_runner.hpp"
#include "pipeline.hpp"
#include "schema_views.hpp"
#include "state_file.hpp"
#include "visible_text.hpp"

#include <wfnode/discovery.hpp>
#include <wfnode/loader.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <unistd.h>

namespace nodehost {
namespace {

rapidjson::Value text_or_null(const char *s, rapidjson::Document::AllocatorType &a) {
    return s ? rapidjson::Value(s, a) : rapidjson::Value();
}

// The printed form of an embedded schema: standard JSON Schema, or its UI schema.
rapidjson::Value schema_view(const char *schema_json, bool ui, rapidjson::Document::AllocatorType &a) {
    rapidjson::Document schema(&a);
    schema.Parse(schema_json);
    return ui ? ui_schema(schema, a) : standard_schema(schema, a);
}

rapidjson::Value node_json(const wfnode_node_def &d, bool ui, rapidjson::Document::AllocatorType &a) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("type", text_or_null(d.type, a), a);
    v.AddMember("displayName", text_or_null(d.display_name, a), a);
    v.AddMember("description", text_or_null(d.description, a), a);
    v.AddMember("version", d.node_version, a);
    v.AddMember("credentialType", text_or_null(d.credential_type, a), a);
    // What running the node does to the service ("read", "delete"), from its schema's
    // "x-effect": a host or a test tells a node that deletes from one that only reads.
    rapidjson::Document schema;
    schema.Parse(d.schema_json);
    if (!schema.HasParseError() && schema.IsObject() && schema.HasMember("x-effect") && schema["x-effect"].IsString())
        v.AddMember("effect", rapidjson::Value(schema["x-effect"], a), a);
    v.AddMember(rapidjson::StringRef(ui ? "uiSchema" : "schema"), schema_view(d.schema_json, ui, a), a);
    return v;
}

rapidjson::Value credential_json(const wfnode_credential_def &d, bool ui, rapidjson::Document::AllocatorType &a) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("name", text_or_null(d.name, a), a);
    v.AddMember("displayName", text_or_null(d.display_name, a), a);
    v.AddMember(rapidjson::StringRef(ui ? "uiSchema" : "schema"), schema_view(d.schema_json, ui, a), a);
    return v;
}

// Another user of this machine can read a command line (ps, /proc): say so for a secret.
void warn_secrets_on_command_line(const wfnode::Plugin &plugin, const std::string &node_type, const std::string &argument,
                                  const rapidjson::Document &creds) {
    const wfnode_node_def *node = plugin.find_node(node_type);
    const wfnode_credential_def *type = node && node->credential_type ? plugin.find_credential(node->credential_type) : nullptr;
    if (argument.starts_with("@") || !type || !creds.IsObject()) return;
    for (const auto &field : secret_fields(*type))
        if (creds.HasMember(field.c_str()))
            std::fprintf(stderr, "nodehost: warning: --credentials carries the secret \"%s\" on the command line, "
                                 "where other users of this machine can read it; put the JSON in a file and pass "
                                 "@file\n", field.c_str());
}

std::string abi_text(const wfnode_version &v) {
    return std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.patch);
}

}  // namespace

std::string version_text() {
    return std::string("nodehost " NODEHOST_VERSION " (wfnode ABI ") + wfnode::loader_abi_version() + ")";
}

int cmd_list_all() {
    const auto folders = wfnode::plugin_search_path();
    auto catalog = wfnode::PluginCatalog::discover(
        folders, [](const std::string &w) { std::fprintf(stderr, "nodehost: warning: %s\n", w.c_str()); });
    for (const auto *plugin : catalog.plugins()) {
        const auto &api = plugin->api();
        std::printf("%s\t%s %s, ABI %s\t%s\n", api.id ? api.id : "?", api.name ? api.name : "?",
                    api.version ? api.version : "?", abi_text(api.abi_version).c_str(), plugin->path().c_str());
        for (const auto *d : plugin->nodes()) std::printf("  %s\t%s\n", d->type, d->display_name);
    }
    for (const auto &s : catalog.shadowed()) std::fprintf(stderr, "nodehost: note: not loaded: %s\n", s.c_str());
    if (catalog.plugins().empty()) {
        std::string path;
        for (const auto &f : folders) path += (path.empty() ? "" : ":") + f;
        std::fprintf(stderr, "nodehost: no plugin found on the search path %s (set WFNODE_PLUGIN_PATH)\n", path.c_str());
    }
    const auto conflicts = catalog.conflicts();
    for (const auto &c : conflicts) std::fprintf(stderr, "nodehost: error: %s\n", c.c_str());
    return conflicts.empty() ? 0 : 1;
}

int cmd_options(const OptionsOptions &o) {
    wfnode::Plugin plugin(o.plugin_path);
    if (!plugin.find_node(o.node_type)) throw UsageError("no node of type \"" + o.node_type + "\" in " + o.plugin_path);
    auto params = parse_json(inline_or_file(o.params, "--params"), "--params");
    if (!params.IsObject()) throw UsageError("--params must be a JSON object");
    wfnode::OptionsCall call;
    call.node_type = o.node_type;
    call.field = o.field;
    call.parameters = to_json(params, false);
    call.credentials = inline_or_file(o.credentials, "--credentials");
    warn_secrets_on_command_line(plugin, o.node_type, o.credentials, parse_json(call.credentials, "--credentials"));
    uint64_t errors = 0;
    // Every line printed holds text the server chose (zone names, error messages): each
    // choice stays on one line, and no control character reaches the terminal raw. A choice's
    // backslashes are doubled, so it reads back exactly; a message keeps its own.
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t, std::string_view json) {
        auto choice = parse_json(std::string(json), "a choice");
        if (o.json) {
            std::printf("%s\n", visible_text(to_json(choice), Backslashes::keep).c_str());
            return true;
        }
        if (!choice.IsObject() || !choice.HasMember("value") || !choice["value"].IsString()) return true;
        auto text = [&](const char *key) {
            const auto it = choice.FindMember(key);
            return it != choice.MemberEnd() && it->value.IsString()
                       ? visible_text({it->value.GetString(), it->value.GetStringLength()})
                       : std::string();
        };
        std::printf("%s\t%s\n", text("value").c_str(), text("name").c_str());
        return true;
    };
    cb.on_error = [&](const wfnode::Error &e) {
        ++errors;
        std::fprintf(stderr, "nodehost: error: %s\n", visible_text(describe_error(e), Backslashes::keep).c_str());
    };
    cb.on_log = [&](int32_t level, std::string_view m) {
        if (level >= WFNODE_LOG_WARN) std::fprintf(stderr, "nodehost: log: %s\n", visible_text(m, Backslashes::keep).c_str());
    };
    const auto store = token_store_config(o.token_store);
    auto status = load_options(plugin, call, store ? &*store : nullptr, cb);
    if (!status) {
        std::fprintf(stderr, "nodehost: %s (ABI %s) offers no options: it does not implement %s (ABI 1.2)\n",
                     o.plugin_path.c_str(), abi_text(plugin.api().abi_version).c_str(), WFNODE_EXT_OPTIONS);
        return 1;
    }
    return *status == WFNODE_OK && errors == 0 ? 0 : 1;
}

int cmd_list(const std::string &plugin_path) {
    wfnode::Plugin plugin(plugin_path);
    for (const auto *d : plugin.nodes()) std::printf("%s\t%s\n", d->type, d->display_name);
    return 0;
}

rapidjson::Document describe_plugin(const wfnode::Plugin &plugin, const std::string &node_type, const std::string &format) {
    if (format != "json-schema" && format != "ui-schema" && format != "n8n")
        throw UsageError("--format must be json-schema, ui-schema or n8n");
    const bool n8n = format == "n8n", ui = format == "ui-schema";
    rapidjson::Document out;
    auto &a = out.GetAllocator();
    auto describe_node = [&](const wfnode_node_def &d) { return n8n ? n8n_node_description(d, a) : node_json(d, ui, a); };
    auto describe_credential = [&](const wfnode_credential_def &c) {
        return n8n ? n8n_credential_description(c, a) : credential_json(c, ui, a);
    };
    if (!node_type.empty()) {
        const auto *d = plugin.find_node(node_type);
        if (!d) throw UsageError("no node of type \"" + node_type + "\" in " + plugin.path());
        out.CopyFrom(describe_node(*d), a);
    } else {
        const auto &api = plugin.api();
        out.SetObject();
        out.AddMember("id", text_or_null(api.id, a), a);
        out.AddMember("name", text_or_null(api.name, a), a);
        out.AddMember("version", text_or_null(api.version, a), a);
        out.AddMember("abiVersion", rapidjson::Value(abi_text(api.abi_version).c_str(), a), a);
        rapidjson::Value nodes(rapidjson::kArrayType), creds(rapidjson::kArrayType);
        for (const auto *d : plugin.nodes()) nodes.PushBack(describe_node(*d), a);
        for (const auto *c : plugin.credentials()) creds.PushBack(describe_credential(*c), a);
        out.AddMember("nodes", nodes, a);
        out.AddMember("credentials", creds, a);
    }
    return out;
}

int cmd_describe(const std::string &plugin_path, const std::string &node_type, const std::string &format) {
    if (format != "json-schema" && format != "ui-schema" && format != "n8n")
        throw UsageError("--format must be json-schema, ui-schema or n8n");
    wfnode::Plugin plugin(plugin_path);
    std::cout << to_json(describe_plugin(plugin, node_type, format), true) << "\n";
    return 0;
}

int cmd_exec(const ExecOptions &o) {
    wfnode::Plugin plugin(o.plugin_path);
    if (!plugin.find_node(o.node_type)) throw UsageError("no node of type \"" + o.node_type + "\" in " + o.plugin_path);
    auto params = parse_json(inline_or_file(o.params, "--params"), "--params");
    if (!params.IsObject()) throw UsageError("--params must be a JSON object");
    check_expressions(params, "parameters");
    std::string creds = inline_or_file(o.credentials, "--credentials");
    auto creds_doc = parse_json(creds, "--credentials");
    warn_secrets_on_command_line(plugin, o.node_type, o.credentials, creds_doc);

    const auto store = token_store_config(o.token_store);
    NodeRun run;
    run.node_type = o.node_type;
    run.token_store = store ? &*store : nullptr;
    run.parameters = &params;
    run.credentials_json = creds;
    run.continue_on_fail = o.continue_on_fail;
    run.dry_run = o.dry_run;
    if (o.input.empty()) run.items.emplace_back("{}");
    else read_json_lines(o.input, [&](std::string &&line) { run.items.push_back(std::move(line)); });

    // Locked for the whole execution; committed only when it succeeded and its output is out.
    std::optional<StateFile> state;
    std::optional<wfnode::NodeState> node_state;
    if (!o.state.empty()) {
        try {
            state.emplace(o.state, "exec " + o.node_type);
        } catch (const StateError &e) {
            std::fprintf(stderr, "nodehost: error: %s\n", e.what());
            return 1;
        }
        run.state = &node_state.emplace(state->for_step(o.node_type));
    }

    install_interrupt_handler();
    // An export writes millions of items: stdio's 4 KiB buffer would make one write() per
    // few records (26,000 for 200,000 chats); 256 KiB makes a few hundred. A terminal keeps
    // its lines as they come.
    static char output_buffer[256 * 1024];
    if (!isatty(fileno(stdout))) std::setvbuf(stdout, output_buffer, _IOFBF, sizeof output_buffer);
    // Output that cannot be written (a closed pipe, a full disk) ends the run with an error,
    // never with a silent gap: EPIPE instead of SIGPIPE, and every write checked.
    std::signal(SIGPIPE, SIG_IGN);
    bool output_failed = false;
    uint64_t errors = 0;
    auto written = [&](int printed) {
        if (printed < 0 || std::ferror(stdout)) output_failed = true;
        return !output_failed;
    };
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t paired, std::string_view json) {
        if (o.envelope)
            return written(std::printf("{\"json\":%.*s,\"pairedItem\":%u}\n", static_cast<int>(json.size()), json.data(), paired));
        // fwrite, not printf: an export writes millions of these. Unlocked: only this thread
        // writes stdout during the execution.
        const bool ok = fwrite_unlocked(json.data(), 1, json.size(), stdout) == json.size() && putc_unlocked('\n', stdout) != EOF;
        return written(ok ? 0 : -1);
    };
    cb.on_error = [&](const wfnode::Error &e) {
        ++errors;
        std::fprintf(stderr, "nodehost: %s: %s\n", o.continue_on_fail ? "warning" : "error", describe_error(e).c_str());
        if (o.continue_on_fail && e.item_index != WFNODE_NO_ITEM) written(std::printf("%s\n", error_item_json(e).c_str()));
    };
    cb.on_log = [&](int32_t level, std::string_view m) {
        if (o.verbose || level >= WFNODE_LOG_WARN)
            std::fprintf(stderr, "nodehost: log: %.*s\n", static_cast<int>(m.size()), m.data());
    };
    wfnode_status status = run_node(plugin, run, cb);
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) output_failed = true;
    if (output_failed) {
        std::fprintf(stderr, "nodehost: error: writing the output failed: %s\n", std::strerror(errno));
        return 1;
    }
    // With continue-on-fail the other items ran, but the run is not a success.
    if (status != WFNODE_OK || errors != 0) return 1;
    if (state && !o.dry_run) {
        try {
            state->commit();
        } catch (const StateError &e) {
            std::fprintf(stderr, "nodehost: error: %s\n", e.what());
            return 1;
        }
    }
    return 0;
}

}  // namespace nodehost
