// The emulator's data: deterministic chat records held in memory, sorted by TimeSent.
#pragma once

#include "time.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace emulator {

struct Chat {
    int32_t conversation_id;
    bool is_external;
    std::string queue_number, from_no, from_name, provider_name, provider_type;
    std::string participant_ip, participant_phone, participant_email;
    TimePoint time_sent;
    std::string message, chat_name, source;
    std::vector<std::string> groups;
};

// `count` chats spread evenly (with jitter) over the year that ends at `end`, every provider
// type present, some messages holding commas, quotes and newlines. Same seed, same data.
std::vector<Chat> generate_chats(size_t count, uint64_t seed, TimePoint end);

}  // namespace emulator
