// The one rule of what is a secret in a credential's JSON Schema: a property marked
// "writeOnly": true (JSON Schema's own word: sent, never shown back) or "x-secret": true (the
// hint editors know). Either marks it: the plugin redacts it, nodehost warns when it is
// written inline in a pipeline, editors draw a password field.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace wfcommon {

// Whether one property's schema marks a secret.
bool is_secret_property(const rapidjson::Value &property_schema);

// The names of the secret properties of an object schema ("properties" of it); empty for
// anything else.
std::vector<std::string> secret_fields(const rapidjson::Value &object_schema);

}  // namespace wfcommon
