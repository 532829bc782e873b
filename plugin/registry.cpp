#include "registry.hpp"

#include <algorithm>
#include <vector>

namespace wfplugin {

std::span<const Node *const> all_nodes() { return plugin_catalog().nodes; }

const Node *find_node(std::string_view type) {
    for (const Node *n : all_nodes())
        if (type == n->definition().type) return n;
    return nullptr;
}

std::span<const CredentialType *const> all_credentials() {
    static const std::vector<const CredentialType *> all = [] {
        std::vector<const CredentialType *> out;
        for (const Node *n : all_nodes())
            if (const CredentialType *c = n->credential(); c && std::find(out.begin(), out.end(), c) == out.end())
                out.push_back(c);
        return out;
    }();
    return all;
}

}  // namespace wfplugin
