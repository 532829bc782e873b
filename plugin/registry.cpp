#include "registry.hpp"

#include "embedded_schemas.hpp"

#include <array>

namespace threecx {
namespace {

wfnode_credential_def make_threecx_api() {
    wfnode_credential_def c{};
    c.struct_size = sizeof(c);
    c.name = "threecxApi";
    c.display_name = "3CX API";
    c.schema_json = schemas::text("threecxApi");
    return c;
}

}  // namespace

std::span<const Node *const> all_nodes() {
    static const std::array<const Node *, 2> nodes{&download_chat_history_node(), &purge_chats_node()};
    return nodes;
}

const Node *find_node(std::string_view type) {
    for (const Node *n : all_nodes())
        if (type == n->definition().type) return n;
    return nullptr;
}

std::span<const wfnode_credential_def *const> all_credentials() {
    static const wfnode_credential_def threecx_api = make_threecx_api();
    static const std::array<const wfnode_credential_def *, 1> all{&threecx_api};
    return all;
}

}  // namespace threecx
