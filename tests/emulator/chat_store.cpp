#include "chat_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace emulator {
namespace {

// splitmix64: tiny, fast, and the same sequence everywhere.
struct Random {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    template <typename T, size_t N> const T &pick(const std::array<T, N> &a) { return a[next() % N]; }
};

constexpr std::array<const char *, 5> providers{"SMS", "LiveChat", "Facebook", "Internal", "RCS"};
constexpr std::array<const char *, 8> first{"Anna", "Ben", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hiro"};
constexpr std::array<const char *, 6> last{"Müller", "O'Brien", "Smith", "Nakamura", "Rossi", "Kowalski"};
constexpr std::array<const char *, 10> messages{
    "Hello, I need help with my order",
    "Can you call me back?",
    "My invoice says \"paid\" but the portal disagrees",
    "Thanks!\nThat solved it.",
    "Where is my parcel, please?",
    "Price list, delivery times, and opening hours please",
    "I'd like to cancel my subscription",
    "Is the shop open on Sunday?",
    "Please confirm: 3 units, 2 colours",
    "Good morning; the line was busy"};

}  // namespace

std::vector<Chat> generate_chats(size_t count, uint64_t seed, TimePoint end) {
    using namespace std::chrono;
    Random rnd{seed};
    const auto span = duration_cast<microseconds>(hours(24 * 365));
    const auto start = end - span;
    const microseconds step = count ? microseconds(span / static_cast<long long>(count)) : microseconds(span);
    std::vector<Chat> chats;
    chats.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        Chat c;
        const char *provider = providers[i % providers.size()];
        c.conversation_id = static_cast<int32_t>(1000 + i / 4);
        c.provider_type = provider;
        c.is_external = std::string_view(provider) != "Internal";
        c.provider_name = fmt::format("{} channel", provider);
        c.queue_number = fmt::format("8{:03}", rnd.next() % 20);
        c.from_name = fmt::format("{} {}", rnd.pick(first), rnd.pick(last));
        c.from_no = fmt::format("+4930{:07}", rnd.next() % 10000000);
        c.participant_ip = fmt::format("192.0.2.{}", rnd.next() % 250 + 1);
        c.participant_phone = c.from_no;
        c.participant_email = fmt::format("user{}@example.com", rnd.next() % 5000);
        c.time_sent = start + step * static_cast<long long>(i) +
                      microseconds(static_cast<long long>(rnd.next() % static_cast<uint64_t>(std::max<long long>(1, step.count() / 2))));
        c.time_sent = floor<seconds>(c.time_sent);
        c.message = fmt::format("{} (#{})", rnd.pick(messages), i);
        c.chat_name = fmt::format("Chat {} with {}", c.conversation_id, c.from_name);
        c.source = c.is_external ? "web" : "internal";
        c.groups = {fmt::format("DEFAULT"), fmt::format("Queue {}", c.queue_number)};
        chats.push_back(std::move(c));
    }
    std::stable_sort(chats.begin(), chats.end(), [](const Chat &a, const Chat &b) { return a.time_sent < b.time_sent; });
    return chats;
}

}  // namespace emulator
