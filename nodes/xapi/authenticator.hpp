// How one execution's XAPI client proves who it is: OAuth2's client-credentials grant. The
// token comes from the tokens the process shares (TokenCache), through the execution's token
// store; when a new one is needed, its request is sent by the client the way every request
// is sent, and its answer read here. Owned by the client; knows no connection.
#pragma once

#include "xapi/credentials.hpp"
#include "xapi/token_cache.hpp"

#include <wfplugin/execution_context.hpp>
#include <wfplugin/http.hpp>
#include <wfplugin/token_store.hpp>

#include <functional>
#include <memory>
#include <string>

namespace threecx::xapi {

namespace http = wfplugin::http;

class Authenticator {
public:
    // Sends a request as the client sends every request, and returns its exchange with the
    // answer's status line read.
    using Send = std::function<std::unique_ptr<http::Exchange>(const http::Request &)>;

    Authenticator(const Credentials &creds, wfplugin::ExecutionContext &ctx, TokenCache &tokens);

    // A token believed valid, a secret of the execution from now on: the shared one, or one
    // fetched with `send`. Throws NodeError for a refused client or an answer that holds no
    // usable token, a RetryableFailure for a status worth another try (wfplugin/retry.hpp),
    // and TransportError as `send` does.
    std::string token(const Send &send);

    // The server refused `token` (HTTP 401): the next token() fetches a new one.
    void refused(const std::string &token);

    // OAuth2's client-credentials request (client_id, client_secret, grant_type), form-encoded.
    http::Request token_request() const;

private:
    IssuedToken read_answer(http::Exchange &answer) const;

    const Credentials &creds_;
    wfplugin::ExecutionContext &ctx_;
    TokenCache &tokens_;
    wfplugin::ExecutionTokenStore store_;  // opened once per execution, so a refused cache warns once
    std::function<void()> poll_;
};

}  // namespace threecx::xapi
