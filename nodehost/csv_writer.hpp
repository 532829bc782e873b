// CSV per RFC 4180: CRLF line ends, a field holding a comma, quote, CR or LF is quoted with
// inner quotes doubled. The header is the union of the items' top-level fields, in the order
// they first appear. Strings are written as text, numbers and booleans as JSON, null as an
// empty field, arrays and objects as their JSON text.
#pragma once

#include <rapidjson/document.h>

#include <ostream>
#include <string>
#include <vector>

namespace nodehost {

std::string csv_field(std::string_view text);

// One row for `item` under `columns`.
std::string csv_row(const rapidjson::Value &item, const std::vector<std::string> &columns);

// Adds `item`'s fields that `columns` lacks, keeping first-appearance order.
void add_columns(const rapidjson::Value &item, std::vector<std::string> &columns);

}  // namespace nodehost
