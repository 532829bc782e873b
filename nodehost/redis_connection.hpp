// One connection to a Redis server (hiredis), every wait bounded: connecting and each command
// time out, so a server that is down or stalled becomes an error, never a hang.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;
struct redisReply;

namespace nodehost {

// The connection cannot be used: it could not be made, or broke (closed, reset, timed out).
// The message is hiredis's text for it ("Connection refused"), which holds no command data.
struct RedisUnreachable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class RedisConnection {
public:
    // A reply as the server sent it: a status, an error, a string, an integer, nil, an array.
    struct Reply {
        enum class Kind { status, error, string, integer, nil, array } kind = Kind::nil;
        std::string text;      // status, error and string replies
        long long integer = 0;
        std::vector<Reply> elements;  // an array's
        bool is(Kind k) const { return kind == k; }
        // The error's code, its first word ("WRONGPASS", "NOAUTH", "ERR").
        std::string error_code() const { return text.substr(0, text.find(' ')); }
    };

    // Throws RedisUnreachable.
    RedisConnection(const std::string &host, int port, std::chrono::milliseconds timeout);
    ~RedisConnection();
    RedisConnection(const RedisConnection &) = delete;
    RedisConnection &operator=(const RedisConnection &) = delete;

    // Sends one command, each argument as bytes (never through a format string), and reads its
    // reply. Throws RedisUnreachable when the connection breaks; it cannot be used after that.
    Reply command(const std::vector<std::string_view> &args);

private:
    redisContext *context_ = nullptr;
};

}  // namespace nodehost
