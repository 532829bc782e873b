#include "xapi/token_cache.hpp"

#include <fmt/format.h>
#include <wfcommon/fnv1a.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

#include <algorithm>
#include <optional>

namespace threecx::xapi {
namespace {

namespace json = wfplugin::json;
using wfplugin::NodeError;

std::string hex_fnv1a(std::string_view text) { return wfcommon::fnv1a::hex(wfcommon::fnv1a::hash(text)); }

// The store names an API client by a hash of its address and id: never a secret.
std::string store_key(const Credentials &c) { return "threecx-" + client_identity(c); }

// A token in the store was fetched with some key: only a caller with the same key takes it.
std::string key_check(const Credentials &c) { return hex_fnv1a("wfnode-token-key\n" + c.api_key); }

int64_t unix_seconds(const wfplugin::Clock &clock) {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.wall().time_since_epoch()).count();
}

// {"token", "refreshAt" (Unix seconds), "keyCheck"}: what the store holds for a client.
std::string store_record(const std::string &token, int64_t refresh_at, const Credentials &c) {
    return fmt::format(R"({{"token":{},"refreshAt":{},"keyCheck":"{}"}})", json::quote(token), refresh_at, key_check(c));
}

}  // namespace

bool is_token_text(std::string_view token) {
    return !token.empty() &&
           token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=") == std::string_view::npos;
}

TokenCache &TokenCache::shared() {
    static TokenCache cache;
    return cache;
}

TokenCache::Entry &TokenCache::entry_for(const Credentials &c) {
    std::lock_guard lock(mutex_);
    auto &e = entries_[{c.base_url, c.client_id, c.api_key}];
    if (!e) e = std::make_unique<Entry>();
    return *e;
}

// Takes the stored token when it is still fresh, was fetched with the same key, and is not
// the one the server just refused (another process has replaced it, or nobody has yet).
bool TokenCache::adopt(Entry &e, const std::string &record, const Credentials &c) const {
    try {
        auto doc = json::parse(record, "token store record");
        const auto *token = json::find(doc, "token");
        const auto *refresh = json::find(doc, "refreshAt");
        const auto *check = json::find(doc, "keyCheck");
        if (!token || !token->IsString() || !refresh || !refresh->IsInt64() || !check || !check->IsString()) return false;
        std::string value(token->GetString(), token->GetStringLength());
        const int64_t left = refresh->GetInt64() - unix_seconds(clock_);
        if (check->GetString() != key_check(c) || !is_token_text(value) || value == e.rejected || left <= 0 ||
            left > 30 * 86400)
            return false;
        e.token = std::move(value);
        e.refresh_at = clock_.now() + std::chrono::seconds(left);
        return true;
    } catch (const NodeError &) {
        return false;
    }
}

std::string TokenCache::get(const Credentials &client, wfplugin::TokenStore *store, const std::function<void()> &poll,
                            const std::function<IssuedToken()> &fetch) {
    Entry &e = entry_for(client);
    std::lock_guard lock(e.mutex);
    if (!e.token.empty() && clock_.now() < e.refresh_at) return e.token;

    // Other processes of this client: take the token one of them stored, or fetch one while
    // holding the store's lock, so they take ours instead of fetching yet another.
    const std::string key = store_key(client);
    std::optional<wfplugin::TokenStoreLock> held;
    if (store) {
        held.emplace(*store, key, poll);
        if (auto record = store->get(key); record && adopt(e, *record, client)) return e.token;
    }

    IssuedToken issued = fetch();
    // Refresh a little early: a tenth of the lifetime, at most 60 s.
    const auto margin = std::min<std::chrono::milliseconds>(std::chrono::seconds(60), issued.lifetime / 10);
    const auto fresh_for = issued.lifetime - margin;
    e.token = std::move(issued.value);
    e.refresh_at = clock_.now() + fresh_for;
    if (store)
        store->put(key, store_record(e.token, unix_seconds(clock_) + std::chrono::duration_cast<std::chrono::seconds>(fresh_for).count(),
                                     client));
    return e.token;
}

void TokenCache::invalidate(const Credentials &client, const std::string &token) {
    Entry &e = entry_for(client);
    std::lock_guard lock(e.mutex);
    if (e.token == token) e.token.clear();
    e.rejected = token;
}

}  // namespace threecx::xapi
