#include "xapi/token_cache.hpp"

#include "xapi/odata.hpp"

#include <fmt/format.h>
#include <wfplugin/json.hpp>
#include <wfplugin/retry.hpp>

#include <chrono>
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

std::string TokenCache::get(const Credentials &creds, http::Lease &lease, const std::function<void()> &poll) {
    Entry &e = entry_for(creds);
    std::lock_guard lock(e.mutex);
    if (!e.token.empty() && Clock::now() < e.refresh_at) return e.token;

    http::Request req;
    req.method = "POST";
    req.url = creds.token_url();
    req.user_agent = user_agent;
    req.verify_tls = !creds.ignore_tls_issues;
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    req.body = token_form(creds);
    http::Response resp(lease, req, poll);
    std::string body = resp.read_all(http::Response::error_body_cap);

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
    rapidjson::Document doc;
    doc.Parse(body.c_str(), body.size());
    const rapidjson::Value *token = doc.HasParseError() ? nullptr : json::find(doc, "access_token");
    if (!token || !token->IsString() || token->GetStringLength() == 0)
        throw NodeError(WFNODE_ERR_API, fmt::format("the token response of {} has no access_token", creds.token_url()),
                        "credentials", 200);
    // The token goes into a header line: only RFC 6750's token characters, so a server cannot
    // inject a header (or end the header block) through it.
    std::string_view value(token->GetString(), token->GetStringLength());
    if (value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=") !=
        std::string_view::npos)
        throw NodeError(WFNODE_ERR_API,
                        fmt::format("the token response of {} holds characters an access token cannot have; not "
                                    "sending it in a header", creds.token_url()),
                        "credentials", 200);
    // expires_in is in seconds (API 20.0.9+). Refresh a little early: a tenth of the lifetime,
    // at most 60 s, so a request never leaves with a token about to die.
    double lifetime = 3600;
    if (auto *exp = json::find(doc, "expires_in"); exp && exp->IsNumber()) lifetime = exp->GetDouble();
    double margin = std::min(60.0, lifetime / 10);
    e.token = token->GetString();
    e.refresh_at = Clock::now() + std::chrono::milliseconds(static_cast<long long>((lifetime - margin) * 1000));
    return e.token;
}

void TokenCache::invalidate(const Credentials &creds, const std::string &token) {
    Entry &e = entry_for(creds);
    std::lock_guard lock(e.mutex);
    if (e.token == token) e.token.clear();
}

}  // namespace threecx::xapi
