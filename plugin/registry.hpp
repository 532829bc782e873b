// What this plugin offers: its nodes and credential types, in a fixed order.
#pragma once

#include "node.hpp"

#include <wfnode/node.h>

#include <span>

namespace threecx {

std::span<const Node *const> all_nodes();
const Node *find_node(std::string_view type);
std::span<const wfnode_credential_def *const> all_credentials();

}  // namespace threecx
