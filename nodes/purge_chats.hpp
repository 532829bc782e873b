// What Purge Chats would send, for checks outside the node (the fuzz target and tests that
// hold an accepted period against the body): the body is built from the validated plan only.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace threecx {

// The PurgeChats request body for parameters that passed the node's schema validation;
// throws wfplugin::NodeError(INVALID_INPUT) for what the schema cannot say (as prepare does).
std::string purge_request_body(const rapidjson::Value &validated_parameters);

}  // namespace threecx
