#include "xapi/client.hpp"

#include "xapi/odata.hpp"

#include <fmt/format.h>
#include <wfplugin/node_error.hpp>
#include <wfplugin/retry.hpp>
#include <wfplugin/url.hpp>

namespace threecx::xapi {

using wfplugin::NodeError;

Client::Client(Credentials creds, wfplugin::ExecutionContext &ctx, TokenCache &tokens)
    : creds_(std::move(creds)),
      ctx_(ctx),
      // A dry run's lease sends only reads and the token request: the guarantee lives in the
      // request layer, below every node, so no parameter of any node can lift it.
      lease_(http::parse_url(creds_.base_url).value().origin(), !creds_.ignore_tls_issues,
             http::SendPolicy{ctx.dry_run(), {creds_.token_url()}}),
      poll_([this] { ctx_.check_cancelled(); }),
      auth_(creds_, ctx, tokens) {}

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
auto Client::send(const http::Request &request, const std::string &what, bool idempotent, const RequestOptions &options,
                  OnSuccess &&on_success) {
    auto on_retry = [&](const std::string &why, http::Millis wait) {
        ctx_.log(WFNODE_LOG_WARN, fmt::format("{}: {}; trying again in {:.1f} s", what, why, wait.count() / 1000.0));
    };
    try {
        return http::with_retries(options.retry, idempotent, poll_, on_retry,
                                  [&] { return attempt(request, what, options, on_success); });
    } catch (const http::TransportError &e) {
        throw network_error(e);
    }
}

http::Request Client::prepared(http::Request request, const RequestOptions &options) const {
    request.verify_tls = !creds_.ignore_tls_issues;
    request.user_agent = user_agent;
    request.deadline = options.deadline;
    return request;
}

Client::Authorised Client::authorised(http::Request request, const RequestOptions &options) {
    request = prepared(std::move(request), options);
    lease_.check_sendable(request);  // before a token is fetched for a request that cannot leave
    std::string token = this->token(options);
    request.headers.push_back("Authorization: Bearer " + token);
    return {std::move(request), std::move(token)};
}

std::string Client::token(const RequestOptions &options) {
    try {
        return auth_.token([&](const http::Request &request) {
            auto answer = std::make_unique<http::Exchange>(lease_, poll_);
            answer->send(prepared(request, options));
            return answer;
        });
    } catch (const http::TransportError &e) {
        // The request itself has not left yet: trying again cannot repeat it.
        if (!http::worth_retrying(e.kind, true)) throw;
        throw http::RetryableFailure{std::current_exception(), true, std::nullopt, e.what()};
    } catch (http::RetryableFailure &f) {
        f.server_did_not_act = true;  // by the token endpoint: the request it is for has not left
        f.why = "token request " + f.why;
        throw;
    }
}

void Client::token_refused(http::Exchange &answer, const std::string &token) {
    // The token we believed valid was refused (another process took a new one, or the PBX
    // restarted): the next token is a new one.
    answer.read_all(0);
    auth_.refused(token);
    ctx_.log(WFNODE_LOG_INFO, "the access token was refused (HTTP 401); fetching a new one and retrying once");
}

template <typename OnSuccess>
auto Client::attempt(const http::Request &request, const std::string &what, const RequestOptions &options,
                     OnSuccess &on_success) {
    for (bool refused_once = false;; refused_once = true) {
        ctx_.check_cancelled();
        const Authorised ready = authorised(request, options);
        http::Exchange answer(lease_, poll_);
        answer.send(ready.request);
        if (answer.status() == 401 && !refused_once) {
            token_refused(answer, ready.token);
            continue;
        }
        if (answer.status() < 200 || answer.status() >= 300) {
            NodeError error = api_error(answer, what);
            ctx_.count_request(answer.bytes_received());
            http::throw_status_error(answer.status(), answer.retry_after(), error);
        }
        auto result = on_success(answer);
        ctx_.count_request(answer.bytes_received());
        ctx_.log(WFNODE_LOG_DEBUG, fmt::format("{} -> HTTP {}, {} bytes", what, answer.status(), answer.bytes_received()));
        return result;
    }
}

http::Request Client::collection_request(const std::string &path_or_url) const {
    http::Request req;
    req.url = absolute(path_or_url);
    req.headers = {"Accept: application/json"};
    return req;
}

SentAhead Client::start_collection(const std::string &path_or_url, size_t slot, const RequestOptions &options) {
    Authorised ready = authorised(collection_request(path_or_url), options);
    SentAhead ahead;
    ahead.exchange_ = std::make_unique<http::Exchange>(lease_, poll_, slot);
    ahead.exchange_->start(ready.request);
    ahead.token_ = std::move(ready.token);
    return ahead;
}

PageInfo Client::get_collection(const std::string &path_or_url, const RecordSink &on_record,
                                const std::function<void(int64_t)> &on_count, const RequestOptions &options,
                                std::string_view key_member, SentAhead started) {
    http::Request req = collection_request(path_or_url);
    // Named by its target on the server: a next link may lie outside the base URL's path, or
    // spell the origin otherwise (both were taken apart by the base URL's length).
    const std::string what = "GET " + target_of(path_or_url);
    // Records are handed on as they are parsed. When a try fails part-way, the next one reads
    // the page from its start and skips the records already handed on: a page asked for
    // again is the same page (the same $skip/$top or next link), so its first records are.
    uint64_t handed_on = 0;
    auto read = [&](http::Exchange &r) {
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
        http::Exchange &answer = *started.exchange_;
        try {
            answer.wait_for_answer();
            const long status = answer.status();
            if (status >= 200 && status < 300 && answer.content_type().find("json") != std::string::npos) {
                PageInfo page = read(answer);
                ctx_.count_request(answer.bytes_received());
                ctx_.log(WFNODE_LOG_DEBUG, fmt::format("{} -> HTTP {}, {} bytes (sent ahead)", what, status,
                                                       answer.bytes_received()));
                return page;
            }
            if (status == 401) token_refused(answer, started.token_);
            else ctx_.log(WFNODE_LOG_INFO, fmt::format("{}: the request sent ahead was answered HTTP {}; asking again", what, status));
        } catch (const http::TransportError &e) {
            ctx_.log(WFNODE_LOG_WARN, fmt::format("{}: the request sent ahead failed ({}); asking again", what, e.what()));
        } catch (const http::RetryableFailure &f) {
            ctx_.log(WFNODE_LOG_WARN, fmt::format("{}: the page sent ahead was unusable ({}); asking again", what, f.why));
        }
        started = {};
    }
    return send(req, what, true, options, read);
}

long Client::post_json(const std::string &path, const std::string &body, const RequestOptions &options) {
    http::Request req;
    req.method = "POST";
    req.url = absolute(path);
    req.body = body;
    req.headers = {"Content-Type: application/json", "Accept: application/json"};
    return send(req, "POST " + path, false, options, [](http::Exchange &r) {
        r.read_all(0);
        return r.status();
    });
}

Client::Answer Client::request(const std::string &method, const std::string &path, const std::string &body,
                               const std::vector<std::string> &headers, const RequestOptions &options) {
    http::Request req;
    req.method = method;
    req.url = absolute(path);
    req.body = body;
    req.headers = {"Accept: application/json"};
    if (!body.empty()) req.headers.push_back("Content-Type: application/json");
    req.headers.insert(req.headers.end(), headers.begin(), headers.end());
    return send(req, method + " " + target_of(path), method == "GET", options, [](http::Exchange &r) {
        Answer a;
        a.status = r.status();
        a.content_type = r.content_type();
        a.body = r.read_all(max_entity_bytes + 1);
        if (a.body.size() > max_entity_bytes)
            throw NodeError(WFNODE_ERR_API, fmt::format("the answer is larger than {} bytes; not read", max_entity_bytes), {},
                            static_cast<int>(a.status));
        return a;
    });
}

}  // namespace threecx::xapi
