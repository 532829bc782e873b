#include "history.hpp"

#include <algorithm>
#include <iterator>
#include <stdexcept>

namespace emulator {
namespace {

bool by_time_sent(const Chat &a, const Chat &b) { return a.time_sent != b.time_sent ? a.time_sent < b.time_sent : a.id < b.id; }
bool by_arrival(const Chat &a, const Chat &b) { return a.arrival != b.arrival ? a.arrival < b.arrival : a.id < b.id; }

// Adds `more` to the sorted `into`, keeping it sorted: one merge, not a sort of the whole.
template <typename Less> void merge_into(std::vector<Chat> &into, std::vector<Chat> more, Less less) {
    std::sort(more.begin(), more.end(), less);
    const auto middle = static_cast<std::ptrdiff_t>(into.size());
    into.insert(into.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    std::inplace_merge(into.begin(), into.begin() + middle, into.end(), less);
}

}  // namespace

History::History(std::vector<Chat> chats, TimePoint now) : now_(now) {
    // One pass, no merge: a million generated chats come in TimeSent order already.
    for (auto &c : chats) {
        next_id_ = std::max(next_id_, c.id + 1);
        (c.arrival <= now_ ? visible_ : pending_).push_back(std::move(c));
    }
    if (!std::is_sorted(visible_.begin(), visible_.end(), by_time_sent)) std::sort(visible_.begin(), visible_.end(), by_time_sent);
    std::sort(pending_.begin(), pending_.end(), by_arrival);
}

size_t History::arrive() {
    const auto due = std::upper_bound(pending_.begin(), pending_.end(), now_,
                                      [](TimePoint t, const Chat &c) { return t < c.arrival; });
    std::vector<Chat> arrived(std::make_move_iterator(pending_.begin()), std::make_move_iterator(due));
    pending_.erase(pending_.begin(), due);
    const size_t count = arrived.size();
    merge_into(visible_, std::move(arrived), by_time_sent);
    return count;
}

bool History::move_clock(TimePoint to, bool backwards, size_t *arrived) {
    if (to < now_ && !backwards) return false;
    now_ = to;
    const size_t n = arrive();
    if (arrived) *arrived = n;
    return true;
}

void History::add(std::vector<Chat> chats) {
    uint64_t next = next_id_;
    for (const auto &c : chats) {
        if (c.id < next) throw std::invalid_argument("an added chat's id is taken");
        next = c.id + 1;
    }
    next_id_ = next;
    merge_into(pending_, std::move(chats), by_arrival);
    arrive();
}

const PurgeRecord &History::purge(const PurgePeriod &period) {
    PurgeRecord record{period, now_, {}};
    auto in_period = [&](const Chat &c) {
        return period.all || ((!period.start || c.time_sent >= *period.start) && (!period.stop || c.time_sent <= *period.stop));
    };
    // stable_partition keeps both sides in TimeSent order: what stays is still a sorted store.
    const auto gone = std::stable_partition(visible_.begin(), visible_.end(), [&](const Chat &c) { return !in_period(c); });
    for (auto c = gone; c != visible_.end(); ++c) {
        record.removed.push_back(c->id);
        purged_.push_back(std::move(*c));
    }
    visible_.erase(gone, visible_.end());
    purges_.push_back(std::move(record));
    return purges_.back();
}

}  // namespace emulator
