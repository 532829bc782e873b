// Where access tokens are kept so that every process using one API client shares one token:
// the host's store when it offers one (the "wfnode.token-store/1" extension of ABI 1.1), or
// else a per-user file cache: $XDG_CACHE_HOME/wfnode/tokens (~/.cache by default), folder
// 0700, one file per client, 0600, written whole and renamed, guarded by flock.
#pragma once

#include "wfplugin/execution_context.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace wfplugin {

class TokenStore {
public:
    virtual ~TokenStore() = default;
    // Blocks until this process holds `key`; `poll` runs while it waits (it may throw).
    virtual void lock(const std::string &key, const std::function<void()> &poll) = 0;
    virtual void unlock(const std::string &key) = 0;
    virtual std::optional<std::string> get(const std::string &key) = 0;
    virtual void put(const std::string &key, const std::string &record) = 0;
};

// The host's store for this execution, else the file cache; nullptr when neither is usable
// (no cache folder can be made): tokens are then shared within the process only.
std::unique_ptr<TokenStore> token_store(const ExecutionContext &ctx);

// Holds a store's lock for one key.
class TokenStoreLock {
public:
    TokenStoreLock(TokenStore &store, std::string key, const std::function<void()> &poll)
        : store_(store), key_(std::move(key)) {
        store_.lock(key_, poll);
    }
    ~TokenStoreLock() { store_.unlock(key_); }
    TokenStoreLock(const TokenStoreLock &) = delete;
    TokenStoreLock &operator=(const TokenStoreLock &) = delete;

private:
    TokenStore &store_;
    std::string key_;
};

}  // namespace wfplugin
