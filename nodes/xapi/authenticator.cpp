#include "xapi/authenticator.hpp"

#include "xapi/odata.hpp"

#include <fmt/format.h>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>
#include <wfplugin/retry.hpp>

#include <algorithm>

namespace threecx::xapi {

namespace json = wfplugin::json;
using wfplugin::NodeError;

Authenticator::Authenticator(const Credentials &creds, wfplugin::ExecutionContext &ctx, TokenCache &tokens)
    : creds_(creds), ctx_(ctx), tokens_(tokens), store_(ctx), poll_([this] { ctx_.check_cancelled(); }) {
    ctx_.add_secret(creds_.api_key);
}

http::Request Authenticator::token_request() const {
    http::Request req;
    req.method = "POST";
    req.url = creds_.token_url();
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    req.body = "client_id=" + http::percent_encode(creds_.client_id) + "&client_secret=" + http::percent_encode(creds_.api_key) +
               "&grant_type=client_credentials";
    return req;
}

std::string Authenticator::token(const Send &send) {
    std::string token = tokens_.get(creds_, store_.get(), poll_, [&] {
        auto answer = send(token_request());
        return read_answer(*answer);
    });
    ctx_.add_secret(token);
    return token;
}

void Authenticator::refused(const std::string &token) { tokens_.invalidate(creds_, token); }

IssuedToken Authenticator::read_answer(http::Exchange &answer) const {
    const std::string url = creds_.token_url();
    std::string body = answer.read_all(http::Exchange::error_body_cap);
    const long status = answer.status();
    // An answer larger than what is kept would read as cut-off JSON: say what it was.
    if (answer.bytes_received() > body.size())
        throw NodeError(WFNODE_ERR_API,
                        fmt::format("the token response of {} (HTTP {}) is {} bytes, more than the {} KiB a token "
                                    "answer may take; not reading it",
                                    url, status, answer.bytes_received(), http::Exchange::error_body_cap / 1024),
                        "credentials", static_cast<int>(status));

    if (status != 200) {
        // The token endpoint answers OAuth2's {error, error_description}: a refused client.
        auto refusal = parse_error_body(body);
        if (refusal && (status == 400 || status == 401))
            throw NodeError(WFNODE_ERR_AUTH,
                            fmt::format("the token request to {} was refused (HTTP {}): {}{}", url, status, refusal->code,
                                        refusal->message.empty() ? "" : ": " + refusal->message),
                            "credentials", static_cast<int>(status), refusal->code);
        NodeError error = api_error(static_cast<int>(status), answer.content_type(), body, "token request");
        if (status == 400) error.status = WFNODE_ERR_AUTH;  // a malformed token request: bad credentials
        http::throw_status_error(status, answer.retry_after(), error);
    }
    // Read under the one JSON policy: by length, one document, no duplicate access_token.
    rapidjson::Document doc;
    try {
        doc = json::parse(body, "the token response of " + url);
    } catch (const NodeError &e) {
        throw NodeError(WFNODE_ERR_API, e.what(), "credentials", 200);
    }
    const rapidjson::Value *token = json::find(doc, "access_token");
    if (!token || !token->IsString() || token->GetStringLength() == 0)
        throw NodeError(WFNODE_ERR_API, fmt::format("the token response of {} has no access_token", url), "credentials", 200);
    std::string value(token->GetString(), token->GetStringLength());
    if (!is_token_text(value))
        throw NodeError(WFNODE_ERR_API,
                        fmt::format("the token response of {} holds characters an access token cannot have; not "
                                    "sending it in a header", url),
                        "credentials", 200);
    // expires_in is in seconds (API 20.0.9+). A lifetime the server states is believed
    // within one second and 30 days; without one, an hour.
    double lifetime = 3600;
    if (auto *exp = json::find(doc, "expires_in"); exp && exp->IsNumber()) lifetime = std::clamp(exp->GetDouble(), 1.0, 30.0 * 86400);
    return {std::move(value), std::chrono::milliseconds(static_cast<long long>(lifetime * 1000))};
}

}  // namespace threecx::xapi
