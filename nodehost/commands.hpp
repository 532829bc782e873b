// nodehost's subcommands. Each returns the process exit status.
#pragma once

#include <string>

namespace nodehost {

int cmd_list(const std::string &plugin_path);
// format: "json-schema" (the schemas as the plugin ships them) or "n8n" (n8n-style properties).
int cmd_describe(const std::string &plugin_path, const std::string &node_type, const std::string &format);

struct ExecOptions {
    std::string plugin_path, node_type, params = "{}", credentials = "null", input;
    bool continue_on_fail = false;
    bool envelope = false;  // print {"json": item, "pairedItem": n} instead of the bare item
    bool verbose = false;
};
int cmd_exec(const ExecOptions &options);

}  // namespace nodehost
