#include "paging/record_handoff.hpp"

#include <fmt/format.h>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

namespace threecx::paging {
namespace {

namespace json = wfplugin::json;
using wfplugin::NodeError;

// A record's TimeSent, which an incremental export is made of.
wfplugin::iso8601::TimePoint time_sent(const xapi::Record &r) {
    auto t = wfplugin::iso8601::parse(r.key);
    if (!t)
        throw NodeError(WFNODE_ERR_API, r.key.empty() ? std::string("a record has no TimeSent, so the export cannot keep a checkpoint")
                                                      : fmt::format("a record's TimeSent is not a date-time: {}", json::excerpt(r.key)),
                        {}, 200);
    return *t;
}

}  // namespace

RecordHandoff::RecordHandoff(Sink sink, std::optional<uint64_t> top, bool hand_on_count, ExportGuard &guard,
                             ExportProgress &progress, ChatCheckpoint *checkpoint)
    : sink_(std::move(sink)), top_(top), hand_on_count_(hand_on_count), guard_(guard), progress_(progress),
      checkpoint_(checkpoint) {}

void RecordHandoff::record(const xapi::Record &r) {
    const std::string_view record = r.json;
    if (!boundary_.empty() && r.key == boundary_) {
        if (auto it = at_boundary_.find(record); it != at_boundary_.end() && it->second > 0) {
            // Skipped by $skip, it came all the same: the server ignores $skip, or orders
            // the records of one instant differently from one request to the next, and
            // then another record of that instant was skipped in its place.
            if (skipping_boundary_)
                throw NodeError(WFNODE_ERR_API,
                                fmt::format("the server sent a record it had sent before where $skip passed over the "
                                            "records sharing the instant {} (does it ignore $skip, or order the "
                                            "records of one instant differently from one request to the next?): "
                                            "a record may have been skipped; stopped",
                                            json::excerpt(boundary_)),
                                {}, 200);
            --it->second;  // handed on by the page before
            guard_.record(record, false);
            return;
        }
    }
    guard_.record(record, true);
    // With Return All, Top caps the total even when a server page overshoots it.
    if (reached_top()) return;
    if (!checkpoint_ || checkpoint_->take(time_sent(r), record)) sink_(record);
    ++progress_.records;
    if (!r.key.empty()) {
        if (r.key != last_time_) last_records_.clear(), last_ends_.clear(), last_time_ = r.key;
        last_records_ += record;
        last_ends_.push_back(last_records_.size());
    }
}

void RecordHandoff::count(int64_t n) {
    if (!hand_on_count_ || count_handed_on_) return;
    count_handed_on_ = true;
    sink_(fmt::format(R"({{"@odata.count":{}}})", n));
}

uint64_t RecordHandoff::boundary_records() const {
    uint64_t n = 0;
    for (const auto &[record, left] : at_boundary_) n += static_cast<uint64_t>(left);
    return n;
}

void RecordHandoff::start_at_last_instant() {
    // Still inside the instant it skipped in: the next page skips the records of that
    // instant handed on so far.
    skipping_boundary_ = skipping_boundary_ && last_time_ == boundary_;
    boundary_ = last_time_;
    at_boundary_ = records_at_last_instant();
}

void RecordHandoff::skip_boundary() {
    skipping_boundary_ = true;
    at_boundary_ = records_at_last_instant();
}

// The records of the last instant, counted by their bytes: the next page starts there.
RecordHandoff::Counted RecordHandoff::records_at_last_instant() const {
    Counted out;
    size_t from = 0;
    for (size_t end : last_ends_) ++out[last_records_.substr(from, end - from)], from = end;
    return out;
}

}  // namespace threecx::paging
