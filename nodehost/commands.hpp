// nodehost's subcommands. Each returns the process exit status.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace wfnode {
class Plugin;
}

namespace nodehost {

int cmd_list(const std::string &plugin_path);
// Every plugin on the search path (WFNODE_PLUGIN_PATH, then the install's plugin folder), its
// versions and nodes; exit 1 when two plugins offer one node type.
int cmd_list_all();
// "nodehost 0.2.0 (wfnode ABI 1.2.0)".
std::string version_text();
// format: "json-schema" (the embedded schemas as standard JSON Schema, without the plugin's
// "x-" hints), "ui-schema" (those hints as a uiSchema) or "n8n" (n8n-style properties).
int cmd_describe(const std::string &plugin_path, const std::string &node_type, const std::string &format);
// What describe prints, for one node (node_type) or the whole plugin; UsageError for an
// unknown format or node type.
rapidjson::Document describe_plugin(const wfnode::Plugin &plugin, const std::string &node_type, const std::string &format);

struct ExecOptions {
    std::string plugin_path, node_type, params = "{}", credentials = "null", input;
    bool continue_on_fail = false;
    bool envelope = false;  // print {"json": item, "pairedItem": n} instead of the bare item
    bool verbose = false;
    bool dry_run = false;   // through the plugin's "wfnode.dry-run/1": only reads are sent
    std::string state;      // --state FILE: the node's state across runs, committed on success
    std::string token_store;  // --token-store URL (else $WFNODE_TOKEN_STORE): tokens shared through Redis
};
int cmd_exec(const ExecOptions &options);

struct OptionsOptions {
    std::string plugin_path, node_type, field, params = "{}", credentials = "null";
    bool json = false;  // print each choice as its JSON object instead of value TAB name
    std::string token_store;  // as for exec
};
// The choices of one field ("wfnode.options/1"); exit 1 when the plugin offers none.
int cmd_options(const OptionsOptions &options);

}  // namespace nodehost
