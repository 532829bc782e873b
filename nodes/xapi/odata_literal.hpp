// A path parameter of an XAPI operation written as OData writes a literal of its type, then
// percent-encoded for the path: strings quoted with inner quotes doubled, numbers and
// booleans bare, GUIDs and date-times bare in their canonical form, enum members as the
// description writes them (quoted, as OData 4.01 accepts an enum member).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace threecx::xapi {

// `type` is the facts file's ("Edm.String", "Edm.Int32", "Edm.Int64", "Edm.Double",
// "Edm.Boolean", "Edm.Guid", "Edm.DateTimeOffset", "Edm.Date" or "enum" with `members`).
// Throws NodeError(INVALID_INPUT) naming `field` when the value is not of that type.
std::string path_literal(const rapidjson::Value &value, std::string_view type, const rapidjson::Value *members,
                         const std::string &field);

}  // namespace threecx::xapi
