#include "redis_token_store.hpp"

#include <wfnode/token_store.h>

#include <fmt/format.h>

#include <cstring>
#include <random>
#include <thread>
#include <utility>

namespace nodehost {
namespace {

using Kind = RedisConnection::Reply::Kind;

// The session of the execution running on this thread.
thread_local TokenStoreSession *current = nullptr;

constexpr size_t max_record = 1u << 16;  // the plugin's records are a few hundred bytes
constexpr std::chrono::milliseconds lock_poll{50};

// Releases the lock only if it still holds this owner's id: a lock that expired and was taken
// by another process is left to it.
constexpr const char *release_script =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

std::string lock_key(std::string_view key) { return "wfnode:lock:" + std::string(key); }
std::string record_key(std::string_view key) { return "wfnode:token:" + std::string(key); }

std::string random_owner() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}{:08x}{:08x}", rd(), rd(), rd(), rd());
}

// What an AUTH refusal means. Only the error's code and known phrases are read: the text of
// an error to a command carrying a secret is never shown, as some errors repeat arguments.
std::string auth_problem(const RedisConnection::Reply &r) {
    const std::string code = r.error_code();
    if (code == "WRONGPASS" || r.text.starts_with("ERR invalid password") || r.text.starts_with("ERR invalid username"))
        return "refused the user and password in WFNODE_TOKEN_STORE_USERNAME and WFNODE_TOKEN_STORE_PASSWORD (" + code + ")";
    if (r.text.find("without any password configured") != std::string::npos ||
        r.text.find("no password is set") != std::string::npos)
        return "has no password set, but WFNODE_TOKEN_STORE_PASSWORD is given (unset it, or set requirepass in Redis)";
    return "refused AUTH (" + code + ")";
}

std::string seconds(std::chrono::milliseconds ms) { return fmt::format("{:.1f} s", static_cast<double>(ms.count()) / 1000); }

void WFNODE_ABI store_lock(const wfnode_host *, const char *key) {
    try {
        if (current && key) current->lock(key);
    } catch (...) {
    }
}
void WFNODE_ABI store_unlock(const wfnode_host *, const char *key) {
    try {
        if (current && key) current->unlock(key);
    } catch (...) {
    }
}
size_t WFNODE_ABI store_get(const wfnode_host *, const char *key, char *buf, size_t cap) {
    try {
        return current && key ? current->get(key, buf, cap) : 0;
    } catch (...) {
        return 0;
    }
}
void WFNODE_ABI store_put(const wfnode_host *, const char *key, const char *record) {
    try {
        if (current && key && record) current->put(key, record);
    } catch (...) {
    }
}

const wfnode_token_store vtable = {sizeof(wfnode_token_store), store_lock, store_unlock, store_get, store_put};

}  // namespace

TokenStoreSession::TokenStoreSession(const TokenStoreConfig &config, wfnode::ExecuteCallbacks &callbacks)
    : config_(config), inner_(callbacks), owner_(random_owner()), previous_(current) {
    current = this;
    callbacks.get_extension = [this](std::string_view id) -> const void * {
        if (id == WFNODE_EXT_TOKEN_STORE) return &vtable;
        return inner_.get_extension ? inner_.get_extension(id) : nullptr;
    };
    callbacks.is_cancelled = [this] { return failure_.has_value() || (inner_.is_cancelled && inner_.is_cancelled()); };
    // The plugin reports the cancellation the store caused as "cancelled": say why instead.
    callbacks.on_error = [this](const wfnode::Error &e) {
        if (failure_ && e.status == WFNODE_ERR_CANCELLED) return report_failure(e.item_index);
        if (inner_.on_error) inner_.on_error(e);
    };
}

TokenStoreSession::~TokenStoreSession() { current = previous_; }

wfnode_status TokenStoreSession::finish(wfnode_status status) {
    if (!failure_) return status;
    report_failure(WFNODE_NO_ITEM);
    return WFNODE_ERR_ABORTED_BY_HOST;
}

void TokenStoreSession::fail(const std::string &problem) {
    if (failure_) return;
    connection_.reset();
    const char *consequence =
        stage_ == Stage::before_token
            ? "no access token was fetched, as a new one would log out every other process of this API client "
              "(nodehost does not fall back to its local token cache)"
            : "the access token just fetched cannot be shared, so the execution stops rather than have the other "
              "processes of this API client fetch their own";
    failure_ = fmt::format("the shared token store {} {}; {}", config_.url(), problem, consequence);
}

void TokenStoreSession::report_failure(uint32_t item_index) {
    if (!failure_ || std::exchange(reported_, true)) return;
    wfnode::Error e;
    e.status = WFNODE_ERR_ABORTED_BY_HOST;
    e.item_index = item_index;
    e.message = *failure_;
    if (inner_.on_error) inner_.on_error(e);
}

void TokenStoreSession::log(int32_t level, const std::string &message) const {
    if (inner_.on_log) inner_.on_log(level, message);
}

RedisConnection *TokenStoreSession::connection() {
    if (failure_) return nullptr;
    if (connection_) return connection_.get();
    try {
        auto c = std::make_unique<RedisConnection>(config_.host, config_.port, config_.timeout);
        if (!config_.password.empty()) {
            std::vector<std::string_view> auth{"AUTH"};
            if (!config_.username.empty()) auth.push_back(config_.username);
            auth.push_back(config_.password);
            if (auto r = c->command(auth); r.is(Kind::error)) {
                fail(auth_problem(r));
                return nullptr;
            }
        }
        const std::string db = std::to_string(config_.db);
        if (auto r = c->command({"SELECT", db}); r.is(Kind::error)) {
            if (r.error_code() == "NOAUTH")
                fail("asks for a password: set WFNODE_TOKEN_STORE_PASSWORD (and WFNODE_TOKEN_STORE_USERNAME for an "
                     "ACL user)");
            else fail(fmt::format("refused database {} ({})", config_.db, r.text.substr(0, 200)));
            return nullptr;
        }
        connection_ = std::move(c);
    } catch (const RedisUnreachable &e) {
        fail(fmt::format("cannot be reached ({})", e.what()));
        return nullptr;
    }
    return connection_.get();
}

// A reply, or an error reply; a broken connection fails the session (the reply is then nil).
RedisConnection::Reply TokenStoreSession::command(const std::vector<std::string_view> &args) {
    RedisConnection *c = connection();
    if (!c) return {};
    try {
        return c->command(args);
    } catch (const RedisUnreachable &e) {
        fail(fmt::format("stopped answering ({})", e.what()));
        return {};
    }
}

// The plugin's keys are hashes: a key that is not a plain name is refused, not sent.
bool TokenStoreSession::usable_key(std::string_view key) {
    const bool plain = !key.empty() && key.size() <= 200 &&
                       key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
                           std::string_view::npos;
    if (!plain) fail("was not used: the plugin passed a key that is not a plain name");
    return plain;
}

void TokenStoreSession::lock(std::string_view key) {
    if (!usable_key(key)) return;
    const std::string name = lock_key(key);
    const std::string ttl = std::to_string(config_.lock_ttl.count());
    const auto give_up = std::chrono::steady_clock::now() + config_.lock_wait;
    for (;;) {
        auto r = command({"SET", name, owner_, "NX", "PX", ttl});
        if (failure_) return;
        if (r.is(Kind::status)) {  // OK: ours
            held_ = name;
            return;
        }
        if (r.is(Kind::error)) return fail(fmt::format("refused to take the lock {} ({})", name, r.text.substr(0, 200)));
        // Held by another process. Every lock a nodehost takes expires: one that does not was
        // written by something else and would never be released.
        auto pttl = command({"PTTL", name});
        if (failure_) return;
        if (pttl.is(Kind::integer) && pttl.integer == -1)
            return fail(fmt::format("holds {} without an expiry, which no nodehost writes, so it would never be "
                                    "released: delete that key (redis-cli DEL {})",
                                    name, name));
        if (std::chrono::steady_clock::now() >= give_up)
            return fail(fmt::format("kept the lock {} held by another process for longer than lock_wait_ms ({})", name,
                                    seconds(config_.lock_wait)));
        if (inner_.is_cancelled && inner_.is_cancelled()) return;  // the plugin sees the cancellation next
        std::this_thread::sleep_for(lock_poll);
    }
}

void TokenStoreSession::unlock(std::string_view key) {
    const std::string name = lock_key(key);
    if (held_ != name) return;
    held_.reset();
    if (failure_ || !connection_) return;  // a lock left behind expires after lock_ttl
    auto r = command({"EVAL", release_script, "1", name, owner_});
    if (r.is(Kind::integer) && r.integer == 0)
        log(WFNODE_LOG_WARN, fmt::format("the token store's lock {} had expired before this process released it: the "
                                         "token request took longer than lock_ttl_ms ({}), so another process may "
                                         "have fetched a token too",
                                         name, seconds(config_.lock_ttl)));
}

size_t TokenStoreSession::get(std::string_view key, char *buf, size_t cap) {
    if (!usable_key(key)) return 0;
    const std::string name = record_key(key);
    auto r = command({"GET", name});
    if (failure_) return 0;
    if (r.is(Kind::error)) {
        // Not a string (WRONGTYPE): not a record; the plugin fetches a token and put() replaces it.
        if (r.error_code() == "WRONGTYPE") {
            log(WFNODE_LOG_WARN, fmt::format("the token store's {} holds no token record (another type of value); it "
                                             "is replaced",
                                             name));
            return 0;
        }
        fail(fmt::format("refused to read {} ({})", name, r.text.substr(0, 200)));
        return 0;
    }
    if (!r.is(Kind::string)) return 0;  // none
    // Not a record the plugin wrote (empty, huge, or holding a NUL): as if there were none,
    // so the plugin fetches a token and put() replaces it.
    if (r.text.empty() || r.text.size() > max_record || r.text.find('\0') != std::string::npos) return 0;
    if (r.text.size() < cap) std::memcpy(buf, r.text.c_str(), r.text.size() + 1);
    return r.text.size();
}

void TokenStoreSession::put(std::string_view key, std::string_view record) {
    if (!usable_key(key)) return;
    const std::string name = record_key(key);
    const std::string ttl = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(config_.record_ttl).count());
    stage_ = Stage::after_token;
    auto r = command({"SET", name, record, "PX", ttl});
    // The record holds the token: only the error's code is shown.
    if (r.is(Kind::error)) fail(fmt::format("refused to store {} ({})", name, r.error_code()));
    stage_ = Stage::before_token;
}

}  // namespace nodehost
