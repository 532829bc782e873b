#include "chat_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

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
// Names and messages in several scripts, as a PBX's chats hold them: Latin with accents,
// Cyrillic, CJK, emoji beyond the BMP (a JSON writer that escapes non-ASCII writes those as
// surrogate pairs), and the quotes and line breaks people type.
constexpr std::array<const char *, 12> first{"Anna", "Ben", "Chloé", "Dmitri", "Eve", "Farid", "Grace", "Hiro",
                                             "Ольга", "美咲", "José", "Zoë"};
constexpr std::array<const char *, 9> last{"Müller", "O'Brien", "Smith", "Nakamura", "Rossi", "Kowalski",
                                            "Иванова", "王", "Núñez"};
constexpr std::array<const char *, 16> messages{
    "Hello, I need help with my order",
    "Can you call me back?",
    "My invoice says \"paid\" but the portal disagrees",
    "Thanks!\nThat solved it.",
    "Where is my parcel, please?",
    "Price list, delivery times, and opening hours please",
    "I'd like to cancel my subscription",
    "Is the shop open on Sunday?",
    "Please confirm: 3 units, 2 colours",
    "Good morning; the line was busy",
    "Здравствуйте! Заказ №4512 так и не пришёл",
    "您好，我的订单还没有到。\n谢谢！",
    "Great service 👍😀 thanks",
    "Ça marche très bien, merci «beaucoup» — à bientôt",
    "Он сказал: \"перезвоните завтра\"\nСпасибо 🙏",
    "ご注文ありがとうございます🎉 Danke schön, Grüße aus Köln"};

// Everything but the times, in the order the generator has always drawn them (the data of a
// seed stays what it was).
Chat fill(uint64_t id, Random &rnd) {
    Chat c;
    c.id = id;
    const char *provider = providers[id % providers.size()];
    c.conversation_id = static_cast<int32_t>(1000 + id / 4);
    c.provider_type = provider;
    c.is_external = std::string_view(provider) != "Internal";
    c.provider_name = fmt::format("{} channel", provider);
    c.queue_number = fmt::format("8{:03}", rnd.next() % 20);
    c.from_name = fmt::format("{} {}", rnd.pick(first), rnd.pick(last));
    c.from_no = fmt::format("+4930{:07}", rnd.next() % 10000000);
    c.participant_ip = fmt::format("192.0.2.{}", rnd.next() % 250 + 1);
    c.participant_phone = c.from_no;
    c.participant_email = fmt::format("user{}@example.com", rnd.next() % 5000);
    return c;
}

void finish(Chat &c, Random &rnd, uint64_t id) {
    c.message = fmt::format("{} (#{})", rnd.pick(messages), id);
    c.chat_name = fmt::format("Chat {} with {}", c.conversation_id, c.from_name);
    c.source = c.is_external ? "web" : "internal";
    c.groups = {fmt::format("DEFAULT"), fmt::format("Queue {}", c.queue_number)};
}

}  // namespace

std::vector<Chat> generate_chats(size_t count, uint64_t seed, TimePoint end, std::chrono::days span_days) {
    using namespace std::chrono;
    Random rnd{seed};
    const auto span = duration_cast<microseconds>(span_days);
    const auto start = end - span;
    const microseconds step = count ? microseconds(span / static_cast<long long>(count)) : microseconds(span);
    std::vector<Chat> chats;
    chats.reserve(count);
    for (size_t i = 0; i < count; ++i) {
        Chat c = fill(i, rnd);
        c.time_sent = start + step * static_cast<long long>(i) +
                      microseconds(static_cast<long long>(rnd.next() % static_cast<uint64_t>(std::max<long long>(1, step.count() / 2))));
        c.time_sent = floor<seconds>(c.time_sent);
        c.arrival = c.time_sent;
        finish(c, rnd, i);
        chats.push_back(std::move(c));
    }
    // Already in order (each chat's jitter stays inside its own step); stable, so chats of
    // one second keep their id order.
    std::stable_sort(chats.begin(), chats.end(), [](const Chat &a, const Chat &b) { return a.time_sent < b.time_sent; });
    return chats;
}

Chat generated_chat(uint64_t id, uint64_t seed, std::optional<int32_t> conversation_id) {
    Random rnd{seed ^ (id * 0xd1b54a32d192ed03ULL)};
    Chat c = fill(id, rnd);
    if (conversation_id) c.conversation_id = *conversation_id;
    finish(c, rnd, id);
    return c;
}

void make_late(std::vector<Chat> &chats, double fraction, int64_t max_delay_s, uint64_t seed) {
    if (chats.empty() || fraction <= 0 || max_delay_s <= 0) return;
    // Its own sequence, so the same seed gives the same data with or without late arrivals.
    Random rnd{seed ^ 0x6c61746521ULL};
    const size_t late = std::min(chats.size(), static_cast<size_t>(std::llround(fraction * static_cast<double>(chats.size()))));
    std::vector<size_t> order(chats.size());
    std::iota(order.begin(), order.end(), size_t{0});
    // The first `late` places of a partial Fisher-Yates shuffle: `late` distinct chats.
    for (size_t i = 0; i < late; ++i) {
        std::swap(order[i], order[i + rnd.next() % (order.size() - i)]);
        Chat &c = chats[order[i]];
        c.arrival = c.time_sent + std::chrono::seconds(1 + static_cast<int64_t>(rnd.next() % static_cast<uint64_t>(max_delay_s)));
    }
}

}  // namespace emulator
