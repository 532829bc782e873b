// Validates a request body against its schema as 3CX's XAPI description gives it (OpenAPI
// 3.0's schema dialect, kept in the facts file): type with nullable, properties (a member no
// schema names is refused, as the OData server refuses it), items, allOf, anyOf, oneOf, enum,
// minimum, maximum, minLength, maxLength, pattern, required, the formats int32, int64,
// date-time and uuid, and $refs into the facts' components. Errors name the member by its
// dotted path ("body.Parts[0].Label").
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace threecx::xapi {

// `components`: the facts' {"schemas": {...}}. Throws NodeError(INVALID_INPUT) on the first
// violation; NodeError(INTERNAL) for a $ref the table does not hold.
void validate_body(const rapidjson::Value &value, const rapidjson::Value &schema, const rapidjson::Value &components,
                   const std::string &path = "body");

}  // namespace threecx::xapi
