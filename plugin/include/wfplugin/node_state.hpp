// The host's "wfnode.state/1" extension (ABI 1.4) as the plugin sees it: the state the node
// step committed in its last successful run, and where the new one is staged. What the state
// means belongs to the node; when it is committed belongs to the host.
#pragma once

#include "wfplugin/execution_context.hpp"

#include <optional>
#include <string>
#include <string_view>

struct wfnode_state;

namespace wfplugin {

class NodeState {
public:
    // The host's extension, or nullopt when it offers none (a host before ABI 1.4, or one
    // that keeps no state for this execution).
    static std::optional<NodeState> of(const ExecutionContext &ctx);

    // The committed state (a JSON object's text), or nullopt on the first run.
    std::optional<std::string> committed() const;
    // Proposes `json` as the new state; throws NodeError when the host cannot keep it.
    void stage(std::string_view json) const;

private:
    NodeState(const wfnode_host &host, const wfnode_state &api) : host_(&host), api_(&api) {}
    const wfnode_host *host_;
    const wfnode_state *api_;
};

}  // namespace wfplugin
