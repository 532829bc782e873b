// Turns a node's or credential's JSON Schema into the shape an n8n-style editor draws
// (INodeTypeDescription / ICredentialType with INodeProperties), so one schema serves both a
// JSON-Schema form renderer and an n8n-style editor.
#pragma once

#include <wfnode/node.h>

#include <rapidjson/document.h>

#include <string>

namespace nodehost {

// n8n's name for a node type: camelCase without dots ("threecx.downloadChatHistory" becomes
// "threecxDownloadChatHistory").
std::string n8n_node_name(const std::string &type);
rapidjson::Value n8n_node_description(const wfnode_node_def &def, rapidjson::Document::AllocatorType &a);
rapidjson::Value n8n_credential_description(const wfnode_credential_def &def, rapidjson::Document::AllocatorType &a);

}  // namespace nodehost
