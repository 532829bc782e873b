// Validates parameters against the node's own JSON Schema (embedded from schemas/), so the
// form an editor draws and the checks the plugin makes cannot drift apart.
//
// Supported keywords (all the schemas use): type (a name or a list), required, properties,
// additionalProperties: false, minimum, maximum, minLength, maxLength, pattern, enum, and
// these formats: "date-time" (its shape by `pattern`, then a real calendar instant by the one
// ISO 8601 reader), "uri" (an http(s) URL with a host, no user name, query or fragment) and
// "x-iana-time-zone" (a zone name of the IANA database). Two extensions:
//   "x-query-value": true  the string goes into a URL: control characters are refused;
//   "x-json-string": true  a string is parsed as JSON and validated as the object form.
// Errors name the field by its dotted path ("options.top").
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace wfplugin {

// Throws NodeError(WFNODE_ERR_INVALID_INPUT) with the field path on the first violation.
void validate_against_schema(const rapidjson::Value &value, const rapidjson::Value &schema,
                             const std::string &path = {});

// True when `name` is a zone of the IANA database this process can read.
bool is_known_time_zone(const std::string &name);

}  // namespace wfplugin
