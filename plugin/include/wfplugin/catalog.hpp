// What a plugin module registers: its identity and its nodes, in the order hosts list them.
// The credential types are those the nodes name. Each module defines plugin_catalog() once
// (a module's node_list.cpp); the entry point serves it over the ABI.
#pragma once

#include "wfplugin/node.hpp"

#include <vector>

namespace wfplugin {

struct Catalog {
    const char *id;       // reverse-DNS plugin id, "com.example.wfnode"
    const char *name;     // shown to users
    const char *version;  // the plugin's own version
    std::vector<const Node *> nodes;
};

const Catalog &plugin_catalog();

}  // namespace wfplugin
