// The plugin's side of one execute() call: a thin, typed view of the host's callbacks plus
// the progress counters. Lives on the stack of execute(); used only on its thread.
#pragma once

#include <wfnode/host.h>

#include <string>
#include <string_view>

namespace wfplugin {

struct NodeError;

class ExecutionContext {
public:
    ExecutionContext(const wfnode_host &host, uint64_t items_total) : host_(host) {
        progress_.struct_size = sizeof(progress_);
        progress_.items_total = items_total;
    }

    // Sends one output item; throws NodeError(ABORTED_BY_HOST) when the host says stop.
    void emit(uint32_t paired_item, std::string_view json);
    void emit_error(const NodeError &error, uint32_t item_index);
    void log(int32_t level, const std::string &message) const;
    // Throws NodeError(CANCELLED) when the host asked to stop.
    void check_cancelled() const;

    void count_request(uint64_t bytes) { ++progress_.requests; progress_.bytes_in += bytes; report(); }
    void count_item_done() { ++progress_.items_done; report(); }

private:
    void report() const;
    // The host struct may be older (smaller) than ours: a member past its struct_size is absent.
    template <typename Fn> Fn member(Fn wfnode_host::*m, size_t offset) const {
        return offset < host_.struct_size ? host_.*m : nullptr;
    }

    const wfnode_host &host_;
    wfnode_progress progress_{};
};

}  // namespace wfplugin
