// The module's catalog as the ABI serves it: nodes by index or type, and the credential types
// the nodes name, each once, in order of first use.
#pragma once

#include "wfplugin/catalog.hpp"

#include <wfnode/node.h>

#include <span>
#include <string_view>

namespace wfplugin {

std::span<const Node *const> all_nodes();
const Node *find_node(std::string_view type);
std::span<const CredentialType *const> all_credentials();

}  // namespace wfplugin
