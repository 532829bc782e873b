#include "wfplugin/node_state.hpp"

#include "wfplugin/node_error.hpp"

#include <wfnode/state.h>

#include <cstddef>
#include <string>

namespace wfplugin {

std::optional<NodeState> NodeState::of(const ExecutionContext &ctx) {
    const auto *api = static_cast<const wfnode_state *>(ctx.host_extension(WFNODE_EXT_STATE));
    if (!api || api->struct_size < offsetof(wfnode_state, stage) + sizeof(api->stage) || !api->get || !api->stage)
        return std::nullopt;
    return NodeState(ctx.host(), *api);
}

std::optional<std::string> NodeState::committed() const {
    std::string buf(4096, '\0');
    for (;;) {
        const size_t n = api_->get(host_, buf.data(), buf.size());
        if (n == 0) return std::nullopt;
        if (n < buf.size()) return buf.substr(0, n);
        buf.assign(n + 1, '\0');  // it did not fit: the host said how long it is
    }
}

void NodeState::stage(std::string_view json) const {
    const std::string text(json);
    if (api_->stage(host_, text.c_str()) != WFNODE_OK)
        throw NodeError(WFNODE_ERR_ABORTED_BY_HOST, "the host could not keep the node's new state (wfnode.state/1)");
}

}  // namespace wfplugin
