#include "xapi/client.hpp"

#include "xapi/odata.hpp"
#include "xapi/token_cache.hpp"

#include <fmt/format.h>
#include <wfplugin/node_error.hpp>
#include <wfplugin/retry.hpp>
#include <wfplugin/url.hpp>

namespace threecx::xapi {

using wfplugin::NodeError;

Client::Client(Credentials creds, wfplugin::ExecutionContext &ctx)
    : creds_(std::move(creds)),
      ctx_(ctx),
      // A dry run's lease sends only reads and the token request: the guarantee lives in the
      // request layer, below every node, so no parameter of any node can lift it.
      lease_(http::parse_url(creds_.base_url).value().origin(), !creds_.ignore_tls_issues,
             http::SendPolicy{ctx.dry_run(), {creds_.token_url()}}),
      poll_([this] { ctx_.check_cancelled(); }),
      token_store_(ctx) {
    ctx_.add_secret(creds_.api_key);
}

std::string Client::absolute(const std::string &path_or_url) const {
    if (!path_or_url.starts_with("/")) {
        // A nextLink must stay on the PBX we hold credentials for: never send the token elsewhere.
        auto link = http::parse_url(path_or_url);
        auto base = http::parse_url(creds_.base_url);
        if (!link)
            throw NodeError(WFNODE_ERR_API, "the server sent a next page link that is not an absolute http(s) URL; not following it");
        if (link->origin() != base.value().origin())
            throw NodeError(WFNODE_ERR_API,
                            fmt::format("the server sent a next page link to another origin ({}); not following it",
                                        link->origin()));
        return path_or_url;
    }
    return creds_.service_root() + path_or_url;
}

std::string Client::target_of(const std::string &path) const { return http::parse_url(absolute(path)).value().target(); }

namespace {

// What the HTTP layer reports becomes the node's error; only here do we know which
// credential field would help.
NodeError network_error(const http::TransportError &e) {
    using Kind = http::TransportError::Kind;
    if (e.kind == Kind::internal) return NodeError(WFNODE_ERR_INTERNAL, e.what());
    if (e.kind == Kind::refused) return NodeError(WFNODE_ERR_DRY_RUN, e.what());
    if (e.kind == Kind::request_too_long) return NodeError(WFNODE_ERR_INVALID_INPUT, e.what());
    std::string hint = e.kind == Kind::tls_verify
                           ? " (the server's TLS certificate could not be verified; set ignoreTlsIssues for a self-signed PBX)"
                           : "";
    return NodeError(WFNODE_ERR_NETWORK, e.what() + hint);
}

}  // namespace

template <typename OnSuccess>
auto Client::send(http::Request request, const std::string &what, bool idempotent, const RequestOptions &options,
                  OnSuccess &&on_success) {
    request.deadline = options.deadline;
    auto on_retry = [&](const std::string &why, http::Millis wait) {
        ctx_.log(WFNODE_LOG_WARN, fmt::format("{}: {}; trying again in {:.1f} s", what, why, wait.count() / 1000.0));
    };
    try {
        lease_.check_sendable(request);  // before a token is fetched for a request that cannot leave
        return http::with_retries(options.retry, idempotent, poll_, on_retry,
                                  [&] { return send_with_token(request, what, on_success); });
    } catch (const http::TransportError &e) {
        throw network_error(e);
    }
}

namespace {

// 429 and 503 are answered before a server processes a request; 502 and 504 come from a
// gateway that may have passed the request on.
bool retryable_status(long status) { return status == 429 || status == 502 || status == 503 || status == 504; }
bool answered_before_processing(long status) { return status == 429 || status == 503; }

}  // namespace

template <typename OnSuccess>
auto Client::send_with_token(http::Request request, const std::string &what, OnSuccess &on_success) {
    request.verify_tls = !creds_.ignore_tls_issues;
    request.user_agent = user_agent;
    const size_t auth_index = request.headers.size();
    request.headers.emplace_back();
    for (int attempt = 0;; ++attempt) {
        ctx_.check_cancelled();
        std::string token;
        try {
            token = TokenCache::instance().get(creds_, lease_, poll_, token_store_);
        } catch (const http::TransportError &e) {
            // The request itself has not left yet: trying again cannot repeat it.
            using Kind = http::TransportError::Kind;
            if (e.kind != Kind::connect && e.kind != Kind::timeout && e.kind != Kind::transfer) throw;
            throw http::RetryableFailure{std::current_exception(), true, std::nullopt, e.what()};
        }
        ctx_.add_secret(token);
        request.headers[auth_index] = "Authorization: Bearer " + token;
        http::Response response(lease_, request, poll_);
        if (response.status() == 401 && attempt == 0) {
            // The token we believed valid was refused (another process took a new one, or
            // the PBX restarted): fetch a new one once and retry once.
            response.read_all(0);
            TokenCache::instance().invalidate(creds_, token);
            ctx_.log(WFNODE_LOG_INFO, "the access token was refused (HTTP 401); fetching a new one and retrying once");
            continue;
        }
        if (response.status() < 200 || response.status() >= 300) {
            NodeError error = api_error(response, what);
            ctx_.count_request(response.bytes_received());
            if (retryable_status(response.status()))
                throw http::RetryableFailure{std::make_exception_ptr(error), answered_before_processing(response.status()),
                                             response.retry_after(), fmt::format("HTTP {}", response.status())};
            throw error;
        }
        auto result = on_success(response);
        ctx_.count_request(response.bytes_received());
        ctx_.log(WFNODE_LOG_DEBUG, fmt::format("{} -> HTTP {}, {} bytes", what, response.status(), response.bytes_received()));
        return result;
    }
}

http::Request Client::collection_request(const std::string &path_or_url) const {
    http::Request req;
    req.url = absolute(path_or_url);
    req.headers = {"Accept: application/json"};
    return req;
}

std::unique_ptr<http::Response> Client::start_collection(const std::string &path_or_url, size_t slot,
                                                         const RequestOptions &options) {
    http::Request req = collection_request(path_or_url);
    req.deadline = options.deadline;
    req.verify_tls = !creds_.ignore_tls_issues;
    req.user_agent = user_agent;
    const std::string token = TokenCache::instance().get(creds_, lease_, poll_, token_store_);
    ctx_.add_secret(token);
    req.headers.push_back("Authorization: Bearer " + token);
    return std::make_unique<http::Response>(lease_, req, poll_, slot, false);
}

PageInfo Client::get_collection(const std::string &path_or_url, const RecordSink &on_record,
                                const std::function<void(int64_t)> &on_count, const RequestOptions &options,
                                std::string_view key_member, std::unique_ptr<http::Response> started) {
    http::Request req = collection_request(path_or_url);
    // Named by its target on the server: a next link may lie outside the base URL's path, or
    // spell the origin otherwise (both were taken apart by the base URL's length).
    const std::string what = "GET " + target_of(path_or_url);
    // Records are handed on as they are parsed. When a try fails part-way, the next one reads
    // the page from its start and skips the records already handed on: a page asked for
    // again is the same page (the same $skip/$top or next link), so its first records are.
    uint64_t handed_on = 0;
    auto read = [&](http::Response &r) {
        if (r.content_type().find("json") == std::string::npos) throw api_error(r, what);
        uint64_t seen = 0;
        PageInfo page = read_collection(
            r,
            [&](const Record &record) {
                if (seen++ < handed_on) return;
                on_record(record);
                ++handed_on;
            },
            on_count, what, key_member);
        if (page.records < handed_on)
            throw NodeError(WFNODE_ERR_API,
                            fmt::format("{}: the page changed between tries: {} records were handed on, the page now "
                                        "holds {}", what, handed_on, page.records),
                            {}, static_cast<int>(r.status()));
        return page;
    };
    if (started) {
        // The answer to a request sent ahead. Anything but a page (a refused token, a busy
        // server, a connection lost part-way) is left to the usual path below, which knows
        // how to handle each under the retry policy.
        try {
            started->wait_for_answer();
            const long status = started->status();
            if (status >= 200 && status < 300 && started->content_type().find("json") != std::string::npos) {
                PageInfo page = read(*started);
                ctx_.count_request(started->bytes_received());
                ctx_.log(WFNODE_LOG_DEBUG, fmt::format("{} -> HTTP {}, {} bytes (sent ahead)", what, status,
                                                       started->bytes_received()));
                return page;
            }
            ctx_.log(WFNODE_LOG_INFO, fmt::format("{}: the request sent ahead was answered HTTP {}; asking again", what, status));
        } catch (const http::TransportError &e) {
            ctx_.log(WFNODE_LOG_WARN, fmt::format("{}: the request sent ahead failed ({}); asking again", what, e.what()));
        } catch (const http::RetryableFailure &f) {
            ctx_.log(WFNODE_LOG_WARN, fmt::format("{}: the page sent ahead was unusable ({}); asking again", what, f.why));
        }
        started.reset();
    }
    return send(req, what, true, options, read);
}

long Client::post_json(const std::string &path, const std::string &body, const RequestOptions &options) {
    http::Request req;
    req.method = "POST";
    req.url = absolute(path);
    req.body = body;
    req.headers = {"Content-Type: application/json", "Accept: application/json"};
    return send(req, "POST " + path, false, options, [](http::Response &r) {
        r.read_all(0);
        return r.status();
    });
}

}  // namespace threecx::xapi
