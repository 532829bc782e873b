// The chat history as the PBX holds it at a simulated now that tests move. A chat is in the
// history (served, counted, purgeable) once now has reached its arrival, and stays until a
// purge removes it; every purge is logged with its period, the simulated now and the ids it
// removed, so a test can prove no purge reached a chat it should not have.
// Not thread-safe: the emulator guards it with its data lock.
#pragma once

#include "chat_store.hpp"

#include <optional>
#include <vector>

namespace emulator {

struct PurgePeriod {
    bool all = false;
    std::optional<TimePoint> start, stop;  // both ends inclusive
};

struct PurgeRecord {
    PurgePeriod period;
    TimePoint now;                 // the simulated now when it ran
    std::vector<uint64_t> removed;  // in TimeSent order
};

class History {
public:
    // `chats` with ids unique among them; those that arrived by `now` are visible at once.
    History(std::vector<Chat> chats, TimePoint now);

    TimePoint now() const { return now_; }
    // Moves the clock; every chat whose arrival it reaches joins the history. A move back is
    // refused (false) unless `backwards` says it is meant; it never takes a chat out again:
    // a PBX does not forget what it stored when its clock is corrected.
    bool move_clock(TimePoint to, bool backwards, size_t *arrived);

    // The id the next added chat must carry: ids are never reused, not even a purged one's.
    uint64_t next_id() const { return next_id_; }
    // Chats a test adds, with ids from next_id() on (std::invalid_argument otherwise); those
    // whose arrival now has reached are visible at once.
    void add(std::vector<Chat> chats);

    // Removes the visible chats in the period (never one that has not arrived yet) and logs it.
    const PurgeRecord &purge(const PurgePeriod &period);

    // What the XAPI serves, in TimeSent order (ties in id order).
    const std::vector<Chat> &visible() const { return visible_; }
    // Not arrived yet, in arrival order.
    const std::vector<Chat> &pending() const { return pending_; }
    // Removed by purges, in the order they went.
    const std::vector<Chat> &purged() const { return purged_; }
    const std::vector<PurgeRecord> &purges() const { return purges_; }

private:
    // Moves every pending chat whose arrival is at or before now into the visible store.
    size_t arrive();

    TimePoint now_;
    uint64_t next_id_ = 0;
    std::vector<Chat> visible_, pending_, purged_;
    std::vector<PurgeRecord> purges_;
};

}  // namespace emulator
