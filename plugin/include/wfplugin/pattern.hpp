// A JSON Schema "pattern" as a std::regex (ECMAScript), compiled once per process: std::regex
// construction is slow, and schemas hold few patterns. Thread-safe; the regex lives as long
// as the process.
#pragma once

#include <regex>
#include <string_view>

namespace wfplugin {

const std::regex &compiled_pattern(std::string_view pattern);

}  // namespace wfplugin
