#include "redis_connection.hpp"

#include <hiredis/hiredis.h>

#include <sys/time.h>

#include <csignal>

namespace nodehost {
namespace {

RedisConnection::Reply convert(const redisReply &reply) {
    using Kind = RedisConnection::Reply::Kind;
    RedisConnection::Reply out;
    switch (reply.type) {
        case REDIS_REPLY_STATUS: out.kind = Kind::status; break;
        case REDIS_REPLY_ERROR: out.kind = Kind::error; break;
        case REDIS_REPLY_STRING: out.kind = Kind::string; break;
        case REDIS_REPLY_INTEGER: out.kind = Kind::integer; break;
        case REDIS_REPLY_ARRAY: out.kind = Kind::array; break;
        default: out.kind = Kind::nil; break;
    }
    if (reply.str && (out.kind == Kind::status || out.kind == Kind::error || out.kind == Kind::string))
        out.text.assign(reply.str, reply.len);
    out.integer = reply.integer;
    for (size_t i = 0; out.kind == Kind::array && i < reply.elements; ++i) out.elements.push_back(convert(*reply.element[i]));
    return out;
}

timeval to_timeval(std::chrono::milliseconds ms) {
    return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

std::string context_error(const redisContext *c, const char *fallback) {
    return c && c->err && c->errstr[0] ? std::string(c->errstr) : std::string(fallback);
}

}  // namespace

RedisConnection::RedisConnection(const std::string &host, int port, std::chrono::milliseconds timeout) {
    // hiredis writes with write(): a connection the server closed must be an error, not a
    // SIGPIPE that ends the process. Only the default disposition is changed.
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) std::signal(SIGPIPE, SIG_IGN);

    context_ = redisConnectWithTimeout(host.c_str(), port, to_timeval(timeout));
    if (!context_ || context_->err) {
        std::string why = context_error(context_, "out of memory");
        if (context_) redisFree(context_);
        context_ = nullptr;
        throw RedisUnreachable(why);
    }
    if (redisSetTimeout(context_, to_timeval(timeout)) != REDIS_OK) {
        std::string why = context_error(context_, "cannot set the command timeout");
        redisFree(context_);
        context_ = nullptr;
        throw RedisUnreachable(why);
    }
}

RedisConnection::~RedisConnection() {
    if (context_) redisFree(context_);
}

RedisConnection::Reply RedisConnection::command(const std::vector<std::string_view> &args) {
    if (!context_ || context_->err) throw RedisUnreachable(context_error(context_, "the connection is closed"));
    std::vector<const char *> argv;
    std::vector<size_t> lengths;
    for (auto a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
    }
    auto *raw = static_cast<redisReply *>(redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (!raw) throw RedisUnreachable(context_error(context_, "no reply"));
    std::unique_ptr<redisReply, void (*)(void *)> reply(raw, freeReplyObject);
    return convert(*reply);
}

}  // namespace nodehost
