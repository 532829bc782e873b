// Small input helpers shared by nodehost's commands.
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nodehost {

// A usage or input problem: exit status 2, message on stderr.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// "@path" reads the file; anything else is the text itself.
std::string inline_or_file(const std::string &arg, const std::string &what);

// Parses JSON under the one policy every JSON document nodehost reads follows (pipeline
// files, @file and inline arguments, input items, editor requests), the plugin's too
// (common/include/wfcommon/json_policy.hpp); or throws UsageError naming `what`, the problem
// and where it is.
rapidjson::Document parse_json(const std::string &text, const std::string &what);

// Calls `on_item` for each JSON object line of `path` ("-" is stdin); blank lines are
// skipped; a line that is not a JSON object is a UsageError naming the line.
void read_json_lines(const std::string &path, const std::function<void(std::string &&line)> &on_item);

std::string to_json(const rapidjson::Value &value, bool pretty = false);

}  // namespace nodehost
