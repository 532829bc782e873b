#include "xapi/token_cache.hpp"

#include "xapi/odata.hpp"

#include <fmt/format.h>
#include <wfplugin/json.hpp>
#include <wfplugin/retry.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <map>
#include <memory>
#include <mutex>

namespace threecx::xapi {
namespace {

namespace json = wfplugin::json;

using Clock = std::chrono::steady_clock;

struct Entry {
    std::mutex mutex;  // held while fetching, so one fetch serves every waiting thread
    std::string token;
    Clock::time_point refresh_at{};
    std::string rejected;  // the last token the server refused: never taken from the store again
};

struct State {
    std::mutex mutex;
    // Keyed by base URL, client id and the key itself: a caller holding a different (wrong)
    // key never receives the token another caller obtained.
    std::map<std::tuple<std::string, std::string, std::string>, std::unique_ptr<Entry>> entries;
};

State &state() {
    static State s;
    return s;
}

Entry &entry_for(const Credentials &c) {
    auto &s = state();
    std::lock_guard lock(s.mutex);
    auto &e = s.entries[{c.base_url, c.client_id, c.api_key}];
    if (!e) e = std::make_unique<Entry>();
    return *e;
}

std::string hex_fnv1a(std::string_view text) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
    return fmt::format("{:016x}", h);
}

// The store names an API client by a hash of its address and id: never a secret.
std::string store_key(const Credentials &c) { return "threecx-" + hex_fnv1a(c.base_url + "\n" + c.client_id); }

// A token in the store was fetched with some key: only a caller with the same key takes it.
std::string key_check(const Credentials &c) { return hex_fnv1a("wfnode-token-key\n" + c.api_key); }

int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool token_characters_ok(std::string_view token) {
    return !token.empty() &&
           token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=") == std::string_view::npos;
}

// {"token", "refreshAt" (Unix seconds), "keyCheck"}: what the store holds for a client.
std::string store_record(const std::string &token, int64_t refresh_at, const Credentials &c) {
    return fmt::format(R"({{"token":{},"refreshAt":{},"keyCheck":"{}"}})", json::quote(token), refresh_at, key_check(c));
}

// Takes the stored token when it is still fresh, was fetched with the same key, and is not
// the one the server just refused (another process has replaced it, or nobody has yet).
bool adopt(Entry &e, const std::string &record, const Credentials &c) {
    try {
        auto doc = json::parse(record, "token store record");
        const auto *token = json::find(doc, "token");
        const auto *refresh = json::find(doc, "refreshAt");
        const auto *check = json::find(doc, "keyCheck");
        if (!token || !token->IsString() || !refresh || !refresh->IsInt64() || !check || !check->IsString()) return false;
        std::string value(token->GetString(), token->GetStringLength());
        const int64_t left = refresh->GetInt64() - unix_now();
        if (check->GetString() != key_check(c) || !token_characters_ok(value) || value == e.rejected || left <= 0 ||
            left > 30 * 86400)
            return false;
        e.token = std::move(value);
        e.refresh_at = Clock::now() + std::chrono::seconds(left);
        return true;
    } catch (const NodeError &) {
        return false;
    }
}

// Form-encodes OAuth2's client-credentials request (client_id, client_secret, grant_type).
std::string token_form(const Credentials &c) {
    return "client_id=" + http::percent_encode(c.client_id) + "&client_secret=" + http::percent_encode(c.api_key) +
           "&grant_type=client_credentials";
}

}  // namespace

TokenCache &TokenCache::instance() {
    static TokenCache cache;
    return cache;
}

std::string TokenCache::get(const Credentials &creds, http::Lease &lease, const std::function<void()> &poll,
                            wfplugin::ExecutionTokenStore &execution_store) {
    Entry &e = entry_for(creds);
    std::lock_guard lock(e.mutex);
    if (!e.token.empty() && Clock::now() < e.refresh_at) return e.token;

    // Other processes of this client: take the token one of them stored, or fetch one while
    // holding the store's lock, so they take ours instead of fetching yet another.
    wfplugin::TokenStore *store = execution_store.get();
    const std::string key = store_key(creds);
    std::optional<wfplugin::TokenStoreLock> held;
    if (store) {
        held.emplace(*store, key, poll);
        if (auto record = store->get(key); record && adopt(e, *record, creds)) return e.token;
    }

    http::Request req;
    req.method = "POST";
    req.url = creds.token_url();
    req.user_agent = user_agent;
    req.verify_tls = !creds.ignore_tls_issues;
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    req.body = token_form(creds);
    http::Response resp(lease, req, poll);
    std::string body = resp.read_all(http::Response::error_body_cap);
    // An answer larger than what is kept would read as cut-off JSON: say what it was.
    if (resp.bytes_received() > body.size())
        throw NodeError(WFNODE_ERR_API,
                        fmt::format("the token response of {} (HTTP {}) is {} bytes, more than the {} KiB a token "
                                    "answer may take; not reading it",
                                    creds.token_url(), resp.status(), resp.bytes_received(),
                                    http::Response::error_body_cap / 1024),
                        "credentials", static_cast<int>(resp.status()));

    if (resp.status() != 200) {
        // The token endpoint answers OAuth2's {error, error_description}: a refused client.
        auto refused = parse_error_body(body);
        if (refused && (resp.status() == 400 || resp.status() == 401))
            throw NodeError(WFNODE_ERR_AUTH,
                            fmt::format("the token request to {} was refused (HTTP {}): {}{}", creds.token_url(),
                                        resp.status(), refused->code,
                                        refused->message.empty() ? "" : ": " + refused->message),
                            "credentials", static_cast<int>(resp.status()), refused->code);
        NodeError err = api_error(static_cast<int>(resp.status()), resp.content_type(), body, "token request");
        if (resp.status() == 400) err.status = WFNODE_ERR_AUTH;  // a malformed token request: bad credentials
        // Busy or behind a failing gateway: a token request can always be asked again (the
        // request it is for has not left yet).
        if (long s = resp.status(); s == 429 || s == 502 || s == 503 || s == 504)
            throw http::RetryableFailure{std::make_exception_ptr(err), true, resp.retry_after(),
                                         fmt::format("token request HTTP {}", s)};
        throw err;
    }
    // Read under the one JSON policy: by length, one document, no duplicate access_token.
    rapidjson::Document doc;
    try {
        doc = json::parse(body, "the token response of " + creds.token_url());
    } catch (const NodeError &e) {
        throw NodeError(WFNODE_ERR_API, e.what(), "credentials", 200);
    }
    const rapidjson::Value *token = json::find(doc, "access_token");
    if (!token || !token->IsString() || token->GetStringLength() == 0)
        throw NodeError(WFNODE_ERR_API, fmt::format("the token response of {} has no access_token", creds.token_url()),
                        "credentials", 200);
    // The token goes into a header line: only RFC 6750's token characters, so a server cannot
    // inject a header (or end the header block) through it.
    std::string_view value(token->GetString(), token->GetStringLength());
    if (!token_characters_ok(value))
        throw NodeError(WFNODE_ERR_API,
                        fmt::format("the token response of {} holds characters an access token cannot have; not "
                                    "sending it in a header", creds.token_url()),
                        "credentials", 200);
    // expires_in is in seconds (API 20.0.9+). Refresh a little early: a tenth of the lifetime,
    // at most 60 s, so a request never leaves with a token about to die.
    // A lifetime the server states is believed within one second and 30 days.
    double lifetime = 3600;
    if (auto *exp = json::find(doc, "expires_in"); exp && exp->IsNumber()) lifetime = std::clamp(exp->GetDouble(), 1.0, 30.0 * 86400);
    double margin = std::min(60.0, lifetime / 10);
    e.token = std::string(value);
    const auto fresh_for = std::chrono::milliseconds(static_cast<long long>((lifetime - margin) * 1000));
    e.refresh_at = Clock::now() + fresh_for;
    if (store)
        store->put(key, store_record(e.token, unix_now() + std::chrono::duration_cast<std::chrono::seconds>(fresh_for).count(), creds));
    return e.token;
}

void TokenCache::invalidate(const Credentials &creds, const std::string &token) {
    Entry &e = entry_for(creds);
    std::lock_guard lock(e.mutex);
    if (e.token == token) e.token.clear();
    e.rejected = token;
}

}  // namespace threecx::xapi
