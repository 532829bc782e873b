// The plugin's side of one execute() call: a thin, typed view of the host's callbacks plus
// the progress counters. Lives on the stack of execute(); used only on its thread.
#pragma once

#include <wfnode/host.h>

#include <string>
#include <string_view>
#include <vector>

namespace wfplugin {

struct NodeError;

class ExecutionContext {
public:
    // `dry_run`: the host called the dry-run entry ("wfnode.dry-run/1"): nothing may change
    // the remote service, whatever the parameters say (the request layer enforces it).
    ExecutionContext(const wfnode_host &host, uint64_t items_total, bool dry_run = false) : host_(host), dry_run_(dry_run) {
        progress_.struct_size = sizeof(progress_);
        progress_.items_total = items_total;
    }

    // A secret (an API key, a token) that must never leave in any text this context sends:
    // errors, log lines and output items are redacted, whatever put the secret there (a
    // server echoing a request included). Its JSON-escaped and percent-encoded forms too.
    void add_secret(std::string_view secret);
    // `text` with every secret replaced by "[redacted]".
    std::string redact(std::string_view text) const;

    // Sends one output item; throws NodeError(ABORTED_BY_HOST) when the host says stop.
    void emit(uint32_t paired_item, std::string_view json);
    void emit_error(const NodeError &error, uint32_t item_index);
    void log(int32_t level, const std::string &message) const;
    // Throws NodeError(CANCELLED) when the host asked to stop.
    void check_cancelled() const;
    // A host extension by id (ABI 1.1), or nullptr: a 1.0 host, or one that does not offer it.
    const void *host_extension(const char *id) const;
    const wfnode_host &host() const { return host_; }
    // The input items of this execution.
    uint64_t items_total() const { return progress_.items_total; }
    // True for the whole of a dry-run execution; nothing can clear it.
    bool dry_run() const { return dry_run_; }

    void count_request(uint64_t bytes) { ++progress_.requests; progress_.bytes_in += bytes; report(); }
    void count_item_done() { ++progress_.items_done; report(); }

private:
    void report() const;
    // The host struct may be older (smaller) than ours: a member past its struct_size is absent.
    template <typename Fn> Fn member(Fn wfnode_host::*m, size_t offset) const {
        return offset < host_.struct_size ? host_.*m : nullptr;
    }

    const wfnode_host &host_;
    const bool dry_run_;
    wfnode_progress progress_{};
    std::vector<std::string> secrets_;  // every form of every secret, longest first
    bool plain_secrets_ = true;         // every secret is printable ASCII (escaped::is_plain)
};

}  // namespace wfplugin
