// Where access tokens are kept so that every process using one API client shares one token:
// the host's store when it offers one (the "wfnode.token-store/1" extension of ABI 1.1), or
// else a per-user file cache, <cache home>/wfnode/tokens, where the cache home is
// $XDG_CACHE_HOME, else ~/.cache: one record file per client, 0600, written whole and
// renamed, guarded by flock on a companion lock file.
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

// The file cache under `cache_home` (an absolute path). The cache home is the user's own
// setting and is followed like any path the user names; its missing folders are made 0700.
// Below it, wfnode and wfnode/tokens are made 0700 when missing and never chmod-ed, and the
// cache is refused when either is
//   - a symbolic link or not a folder,
//   - owned by another user than the effective one,
//   - writable by group or others (tokens: any group or other permission at all),
// or when a file in tokens (a lock or a record) is a symbolic link, not a regular file,
// owned by another user, or open to group or others. Every file is opened with O_NOFOLLOW
// relative to the checked tokens folder, so no path component can be swapped after the check.
// A refusal calls `refused` once, naming the path and the failed check (then the store
// holds nothing: get() finds no record, lock() and put() do nothing), and a refused folder
// gives nullptr. Nothing outside the cache home is ever created or changed.
std::unique_ptr<TokenStore> file_token_store(const std::string &cache_home,
                                             std::function<void(const std::string &why)> refused);

// One execution's store, opened when a token is first fetched: the host's store, else the
// file cache (refusals logged as one WFNODE_LOG_WARN per execution), else none, when there is
// no cache home or the cache was refused: tokens are then shared within the process only.
class ExecutionTokenStore {
public:
    explicit ExecutionTokenStore(const ExecutionContext &ctx) : ctx_(ctx) {}
    TokenStore *get();

private:
    const ExecutionContext &ctx_;
    bool opened_ = false;
    std::unique_ptr<TokenStore> store_;
};

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
