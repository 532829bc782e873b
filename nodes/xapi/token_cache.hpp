// The access tokens of a process, one per API client (base URL, client id and key), shared by
// every execution and thread, and through a token store (wfplugin/token_store.hpp) by every
// process. The real server keeps only one active token per client, so asking for a token per
// call or per item would log out every other user of the same client.
//
// The cache knows no HTTP: a token is fetched by the caller's function (the client's
// Authenticator), and the cache decides when one is needed.
#pragma once

#include "xapi/credentials.hpp"

#include <wfplugin/clock.hpp>
#include <wfplugin/token_store.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace threecx::xapi {

// What the token endpoint issued: the token and how long the server says it lives.
struct IssuedToken {
    std::string value;
    std::chrono::milliseconds lifetime;
};

// The token goes into a header line: only RFC 6750's token characters, so a server (or a
// planted store record) cannot inject a header, or end the header block, through it.
bool is_token_text(std::string_view token);

class TokenCache {
public:
    explicit TokenCache(const wfplugin::Clock &clock = wfplugin::Clock::system()) : clock_(clock) {}
    TokenCache(const TokenCache &) = delete;
    TokenCache &operator=(const TokenCache &) = delete;

    // The one every execution of this process shares.
    static TokenCache &shared();

    // A token believed valid for `client`: the cache's until it is about to expire (a tenth
    // of its lifetime before, at most 60 s, so no request leaves with a dying token), else
    // the one another process put in `store` (nullptr: none), else the one `fetch` gets,
    // which the store then holds for the other processes. Concurrent callers for one client
    // wait for one fetch; across processes they wait on the store's lock, run by `poll`.
    std::string get(const Credentials &client, wfplugin::TokenStore *store, const std::function<void()> &poll,
                    const std::function<IssuedToken()> &fetch);

    // After the server refused `token` (HTTP 401): forgets it, unless another thread already
    // replaced it, and never takes it from the store again.
    void invalidate(const Credentials &client, const std::string &token);

private:
    struct Entry {
        std::mutex mutex;  // held while fetching, so one fetch serves every waiting thread
        std::string token;
        std::chrono::steady_clock::time_point refresh_at{};
        std::string rejected;  // the last token the server refused
    };
    Entry &entry_for(const Credentials &client);
    bool adopt(Entry &entry, const std::string &record, const Credentials &client) const;

    const wfplugin::Clock &clock_;
    std::mutex mutex_;
    // Keyed by base URL, client id and the key itself: a caller holding a different (wrong)
    // key never receives the token another caller obtained.
    std::map<std::tuple<std::string, std::string, std::string>, std::unique_ptr<Entry>> entries_;
};

}  // namespace threecx::xapi
