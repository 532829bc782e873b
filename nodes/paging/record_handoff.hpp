// The one place that decides whether a record the pages brought is handed on: not when it is
// one of the boundary instant's records asked for again (paging by TimeSent), not past Top,
// not when an earlier run handed it on (the incremental checkpoint, ChatCheckpoint::take).
// It also keeps the boundary those records are recognised by, which the time pager moves.
#pragma once

#include "chat_checkpoint.hpp"
#include "paging/export_guard.hpp"
#include "paging/export_progress.hpp"
#include "xapi/collection_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace threecx::paging {

class RecordHandoff {
public:
    using Sink = std::function<void(std::string_view json)>;

    // `top`: the most records read in all; `hand_on_count`: the user asked for the count,
    // handed on once as an item of its own; `checkpoint` (incremental mode, else nullptr)
    // passes over what an earlier run handed on. Every record read counts in `progress`.
    RecordHandoff(Sink sink, std::optional<uint64_t> top, bool hand_on_count, ExportGuard &guard,
                  ExportProgress &progress, ChatCheckpoint *checkpoint);

    // A record as the pages brought it (its key: TimeSent).
    void record(const xapi::Record &r);
    // An @odata.count the server sent.
    void count(int64_t n);
    bool reached_top() const { return top_ && progress_.records >= *top_; }

    // Paging by TimeSent: the instant the next page starts at (empty: the first page), and
    // how many of its records were handed on, which the next page asks for again or skips.
    const std::string &boundary() const { return boundary_; }
    uint64_t boundary_records() const;
    bool skipping_boundary() const { return skipping_boundary_; }
    // The TimeSent of the last record handed on (empty: none, or it had none).
    const std::string &last_instant() const { return last_time_; }
    // A page brought something new: the next starts at the last instant handed on, its
    // records asked for again (or still skipped, inside the instant it skipped in).
    void start_at_last_instant();
    // A page brought nothing new but may have been cut at the boundary's records: the next
    // skips them ($skip within that instant) instead of asking for them again.
    void skip_boundary();

private:
    using Counted = std::map<std::string, int, std::less<>>;  // records by their bytes
    Counted records_at_last_instant() const;

    Sink sink_;
    std::optional<uint64_t> top_;
    bool hand_on_count_, count_handed_on_ = false;
    ExportGuard &guard_;
    ExportProgress &progress_;
    ChatCheckpoint *checkpoint_;
    // Records of the boundary instant already handed on, by their bytes: the next page
    // starts at that instant again (TimeSent ge), and they are not handed on twice.
    std::string boundary_;
    Counted at_boundary_;
    // Set when the page skips the boundary's records ($skip) instead of asking for them again.
    bool skipping_boundary_ = false;
    std::string last_time_;
    // Records of the last instant handed on, one after another in `last_records_` (a buffer
    // that keeps its capacity: no allocation per record).
    std::string last_records_;
    std::vector<size_t> last_ends_;
};

}  // namespace threecx::paging
