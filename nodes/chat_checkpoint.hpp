// What Download Chat History's incremental mode keeps between runs, and the one place that
// decides whether a record was handed on in an earlier run.
//
// The checkpoint is the last TimeSent handed on. Every run reads from `windowFrom`, the late
// window before it (lateWindowS), and holds a fingerprint (FNV-1a of its bytes) of every
// record it handed on at or after windowFrom: a record read again there is passed over, and a
// record that reached the history late (its TimeSent before the checkpoint, seen only now) is
// handed on and remembered. The boundary instant is the window's last instant: records
// sharing the checkpoint's TimeSent are neither lost nor repeated, even with a window of 0.
//
// Guarantee: a record whose delay (the time it appears in the history minus its TimeSent) is
// at most the window is handed on exactly once, however runs are spaced or missed, because the
// checkpoint is never later than what the history held when that run read it. A record later
// than that, or a PBX clock moved back by more than the window, is not seen.
//
// The state (a JSON object, opaque to the host):
//   {"version": 1, "pbx": hex, "query": hex, "checkpoint": iso|null, "windowFrom": iso|null,
//    "window": [{"t": iso, "fp": [hex, ...]}, ...]}
// "pbx" names the API client (base URL and client id, hashed; never a secret), "query" the
// options that decide which records and bytes a run reads. A state that is not exactly this,
// names another PBX or query, or whose checkpoint is in the future is refused, never
// replaced by a silent start from the beginning.
#pragma once

#include <wfplugin/iso8601.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace threecx {

class ChatCheckpoint {
public:
    using TimePoint = wfplugin::iso8601::TimePoint;
    static constexpr int version = 1;
    // A checkpoint later than this after the machine's clock is in the future: a state
    // written under a wrong clock or edited by hand, which would pass over records not yet sent.
    static constexpr std::chrono::hours future_tolerance{1};

    // The first run: reads from `start_at` (nullopt: from the beginning).
    ChatCheckpoint(std::string pbx, std::string query, std::optional<TimePoint> start_at);

    // A committed state; throws NodeError (invalid input, field "state") saying what is wrong.
    static ChatCheckpoint read(std::string_view json, const std::string &pbx, const std::string &query, TimePoint now);

    // The lower bound (inclusive) of TimeSent this run reads from; nullopt: from the beginning.
    std::optional<TimePoint> read_from() const { return window_from_; }
    std::optional<TimePoint> checkpoint() const { return checkpoint_; }

    // A record this run read, at TimeSent `t`: true when it is to be handed on (it was not
    // handed on before); either way the checkpoint moves to it.
    bool take(TimePoint t, std::string_view record);

    // The state after this run, keeping the fingerprints of the last `window`.
    std::string next_state(std::chrono::seconds window) const;

    uint64_t handed_on() const { return handed_on_; }
    uint64_t passed_over() const { return passed_over_; }

private:
    using Fingerprints = std::map<TimePoint, std::map<uint64_t, uint32_t>>;  // instant -> fingerprint -> records

    std::string pbx_, query_;
    std::optional<TimePoint> checkpoint_, window_from_;
    Fingerprints before_;  // handed on in earlier runs
    Fingerprints matched_; // of those, read again in this run
    Fingerprints now_;     // handed on in this run
    uint64_t handed_on_ = 0, passed_over_ = 0;
};

}  // namespace threecx
