// The "wfnode.token-store/1" host extension over Redis, so that nodehost processes on any
// number of machines share one access token per API client (the PBX keeps one active token
// per client: each process fetching its own logs the others out).
//
// For the plugin's key K (a hash naming the client, never a secret):
//   wfnode:token:K  the plugin's record (opaque), SET with PX record_ttl
//   wfnode:lock:K   the lock: SET NX PX lock_ttl to a random owner id, so a holder that dies
//                   holding it blocks the others for at most lock_ttl; released by a Lua
//                   compare-and-delete, so only its owner removes it. lock() polls for it
//                   until lock_wait, then fails.
//
// When the store fails (unreachable, a refused password, a lock that stays held), the
// execution that needed a token fails with a message saying why, and no token is fetched:
// there is no fallback to the per-user file cache, since a token fetched without the store
// logs out every other process of that client. The ABI's lock/get/put cannot return an
// error, so the failure is kept in the execution's session: from then on the execution's
// is_cancelled() is true (the plugin polls it before sending any request, the token request
// included), and the plugin's "cancelled" error is replaced by the store's message, with the
// status WFNODE_ERR_ABORTED_BY_HOST.
#pragma once

#include "redis_connection.hpp"
#include "token_store_config.hpp"

#include <wfnode/loader.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nodehost {

// One execution's use of the store, made on the thread that runs it and living until the
// execution returns: it lends the store to the plugin through `callbacks` (changed in place)
// and connects when the plugin first asks. The extension's functions find the session of
// their thread: the ABI calls them on the execution's thread only.
class TokenStoreSession {
public:
    TokenStoreSession(const TokenStoreConfig &config, wfnode::ExecuteCallbacks &callbacks);
    ~TokenStoreSession();
    TokenStoreSession(const TokenStoreSession &) = delete;
    TokenStoreSession &operator=(const TokenStoreSession &) = delete;

    // The execution's status once the store has had its say: a store failure is reported
    // (when the plugin's own error has not already been replaced by it) and makes the status
    // WFNODE_ERR_ABORTED_BY_HOST.
    wfnode_status finish(wfnode_status status);

    void lock(std::string_view key);
    void unlock(std::string_view key);
    size_t get(std::string_view key, char *buf, size_t cap);
    void put(std::string_view key, std::string_view record);

private:
    // Records the first failure; the execution is cancelled from then on.
    void fail(const std::string &problem);
    void report_failure(uint32_t item_index);
    // The connection, made (and authenticated, and its database selected) on first use;
    // nullptr once the session has failed.
    RedisConnection *connection();
    RedisConnection::Reply command(const std::vector<std::string_view> &args);
    bool usable_key(std::string_view key);
    void log(int32_t level, const std::string &message) const;

    const TokenStoreConfig &config_;
    wfnode::ExecuteCallbacks inner_;  // the callbacks as the caller made them
    std::unique_ptr<RedisConnection> connection_;
    std::optional<std::string> failure_;
    bool reported_ = false;
    // Whether a failure now comes before the token is fetched, or while it is being stored.
    enum class Stage { before_token, after_token } stage_ = Stage::before_token;
    std::string owner_;  // this session's lock owner id: random, no secret
    std::optional<std::string> held_;  // the lock key this session holds
    TokenStoreSession *previous_;
};

}  // namespace nodehost
