// The emulator's data: deterministic chat records, each with the instant it reaches the
// history (its arrival), which is its TimeSent unless it arrives late.
#pragma once

#include "time.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace emulator {

struct Chat {
    // Unique for the emulator's life, never reused. A generated chat's Message ends with
    // "(#id)", so a test can tell from an exported record which chat it is.
    uint64_t id = 0;
    int32_t conversation_id = 0;
    bool is_external = false;
    std::string queue_number, from_no, from_name, provider_name, provider_type;
    std::string participant_ip, participant_phone, participant_email;
    TimePoint time_sent{};
    // When the chat becomes part of the history (served, counted, purgeable): time_sent, or
    // later for a chat that arrives late (a conversation closed after its first message).
    TimePoint arrival{};
    std::string message, chat_name, source;
    std::vector<std::string> groups;
};

inline constexpr std::chrono::days default_data_span{365};

// `count` chats spread evenly (with jitter) over the `span` that ends at `end`, every provider
// type present, some messages holding commas, quotes and newlines; ids 0 to count - 1 in
// TimeSent order, arrival = TimeSent. Same seed, same data.
std::vector<Chat> generate_chats(size_t count, uint64_t seed, TimePoint end, std::chrono::days span = default_data_span);

// One chat whose fields (all but the times) are generated from (seed, id) alone, in the
// conversation given or the one its id falls in: what a test adds explicitly gets plausible
// data without perturbing the generated chats.
Chat generated_chat(uint64_t id, uint64_t seed, std::optional<int32_t> conversation_id = std::nullopt);

// round(fraction * size) of the chats, chosen by `seed`, arrive 1 to `max_delay_s` seconds
// after their TimeSent (uniformly). The generated data itself is left as it was.
void make_late(std::vector<Chat> &chats, double fraction, int64_t max_delay_s, uint64_t seed);

}  // namespace emulator
