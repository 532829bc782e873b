// An XAPI session for one execution: one leased connection, its authenticator, and the one
// way every request leaves (the set-up, the token, the retry policy, the 401 -> new token ->
// retry-once rule, the status table), over the plugin's HTTP layer.
#pragma once

#include "xapi/authenticator.hpp"
#include "xapi/collection_reader.hpp"
#include "xapi/credentials.hpp"
#include "xapi/request_options.hpp"
#include "xapi/token_cache.hpp"

#include <wfplugin/execution_context.hpp>
#include <wfplugin/http.hpp>
#include <wfplugin/session.hpp>

#include <memory>
#include <string>

namespace threecx::xapi {

namespace http = wfplugin::http;

// A collection page asked for ahead (Client::start_collection), to be read by get_collection.
class SentAhead {
public:
    SentAhead() = default;
    explicit operator bool() const { return exchange_ != nullptr; }

private:
    friend class Client;
    std::unique_ptr<http::Exchange> exchange_;
    std::string token_;  // the token it carries: a 401 refuses this one
};

class Client final : public wfplugin::Session {
public:
    // `tokens`: the tokens this client's requests share (the process's, unless a test
    // gives its own).
    Client(Credentials creds, wfplugin::ExecutionContext &ctx, TokenCache &tokens = TokenCache::shared());

    const Credentials &credentials() const { return creds_; }

    // GET `path_and_query` (relative to the service root, starting with "/") or an absolute
    // URL on the same server (an @odata.nextLink), streaming records to `on_record`. Tried
    // again as `options` allow; a page that fails part-way is fetched again from its start,
    // and the records already handed on are not handed on again.
    // `key_member`: see read_collection. `started`: the page's request, sent earlier by
    // start_collection; its answer is read as the first try.
    PageInfo get_collection(const std::string &path_or_url, const RecordSink &on_record,
                            const std::function<void(int64_t)> &on_count, const RequestOptions &options,
                            std::string_view key_member = {}, SentAhead started = {});

    // Sends the GET of a collection page in `slot` (1 to http::Lease::max_slots - 1; slot 0
    // is the one every other request uses) and returns without waiting: its answer arrives on
    // its own connection while earlier pages are read. Pass it to get_collection for that URL.
    SentAhead start_collection(const std::string &path_or_url, size_t slot, const RequestOptions &options);

    // The request target ("/prefix/xapi/v1/PurgeChats") that a request for `path` (relative to
    // the service root, as post_json takes it) is sent to.
    std::string target_of(const std::string &path) const;

    // POST a JSON body; returns the HTTP status of a 2xx answer, throws on anything else.
    // Tried again only when the server cannot have acted on it (see wfplugin/retry.hpp).
    long post_json(const std::string &path, const std::string &body, const RequestOptions &options);

    // An answer read whole: what a request for one entity, or an action, brings.
    struct Answer {
        long status = 0;
        std::string content_type;
        std::string body;
    };
    static constexpr size_t max_entity_bytes = 16u << 20;  // an entity's or an action's answer

    // Any request of the XAPI (relative to the service root) with an optional JSON body and
    // extra headers ("If-Match: *"); a 2xx answer is returned, anything else thrown. Tried
    // again under `options` when GET, otherwise only when the server cannot have acted.
    Answer request(const std::string &method, const std::string &path, const std::string &body,
                   const std::vector<std::string> &headers, const RequestOptions &options);

private:
    // A request ready to leave and the token it carries.
    struct Authorised {
        http::Request request;
        std::string token;
    };

    // Sends `request` under the retry policy; converts what is left of a transport failure
    // into the node's error.
    template <typename OnSuccess>
    auto send(const http::Request &request, const std::string &what, bool idempotent, const RequestOptions &options,
              OnSuccess &&on_success);
    // One try: the token (a new one once after a 401), the request, the answer.
    template <typename OnSuccess>
    auto attempt(const http::Request &request, const std::string &what, const RequestOptions &options,
                 OnSuccess &on_success);
    // The set-up every request shares, the token request's included: TLS mode, user agent, deadline.
    http::Request prepared(http::Request request, const RequestOptions &options) const;
    // The set-up of the plain path and the read-ahead alike: prepared, checked sendable on the
    // lease before a token is fetched for it, then its token.
    Authorised authorised(http::Request request, const RequestOptions &options);
    // The token for a request that has not left yet: any failure to get one may be tried
    // again, even for a request that is not idempotent.
    std::string token(const RequestOptions &options);
    // A 401 for `token`: the authenticator forgets it; the answer is read to its end.
    void token_refused(http::Exchange &answer, const std::string &token);
    std::string absolute(const std::string &path_or_url) const;
    http::Request collection_request(const std::string &path_or_url) const;

    Credentials creds_;
    wfplugin::ExecutionContext &ctx_;
    http::Lease lease_;
    std::function<void()> poll_;
    Authenticator auth_;
};

}  // namespace threecx::xapi
