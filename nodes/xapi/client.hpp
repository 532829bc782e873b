// An XAPI session for one execution: one leased connection, the shared token, and the
// 401 -> new token -> retry-once rule, over the plugin's HTTP layer.
#pragma once

#include "xapi/collection_reader.hpp"
#include "xapi/credentials.hpp"
#include "xapi/request_options.hpp"

#include <wfplugin/execution_context.hpp>
#include <wfplugin/http.hpp>
#include <wfplugin/session.hpp>
#include <wfplugin/token_store.hpp>

#include <memory>
#include <string>

namespace threecx::xapi {

namespace http = wfplugin::http;

class Client final : public wfplugin::Session {
public:
    Client(Credentials creds, wfplugin::ExecutionContext &ctx);

    const Credentials &credentials() const { return creds_; }

    // GET `path_and_query` (relative to the service root, starting with "/") or an absolute
    // URL on the same server (an @odata.nextLink), streaming records to `on_record`. Tried
    // again as `options` allow; a page that fails part-way is fetched again from its start,
    // and the records already handed on are not handed on again.
    // `key_member`: see read_collection. `started`: the page's request, sent earlier by
    // start_collection; its answer is read as the first try.
    PageInfo get_collection(const std::string &path_or_url, const RecordSink &on_record,
                            const std::function<void(int64_t)> &on_count, const RequestOptions &options,
                            std::string_view key_member = {}, std::unique_ptr<http::Response> started = nullptr);

    // Sends the GET of a collection page in `slot` (1 to http::Response::max_slots - 1; slot 0
    // is the one every other request uses) and returns without waiting: its answer arrives on
    // its own connection while earlier pages are read. Pass it to get_collection for that URL.
    std::unique_ptr<http::Response> start_collection(const std::string &path_or_url, size_t slot,
                                                     const RequestOptions &options);

    // The request target ("/prefix/xapi/v1/PurgeChats") that a request for `path` (relative to
    // the service root, as post_json takes it) is sent to.
    std::string target_of(const std::string &path) const;

    // POST a JSON body; returns the HTTP status of a 2xx answer, throws on anything else.
    // Tried again only when the server cannot have acted on it (see wfplugin/retry.hpp).
    long post_json(const std::string &path, const std::string &body, const RequestOptions &options);

private:
    // Sends `request` with the shared token under the retry policy; converts what is left of
    // a transport failure into the node's error.
    template <typename OnSuccess>
    auto send(http::Request request, const std::string &what, bool idempotent, const RequestOptions &options,
              OnSuccess &&on_success);
    // One try: the token (a new one once after a 401), the request, the answer.
    template <typename OnSuccess>
    auto send_with_token(http::Request request, const std::string &what, OnSuccess &on_success);
    std::string absolute(const std::string &path_or_url) const;
    http::Request collection_request(const std::string &path_or_url) const;

    Credentials creds_;
    wfplugin::ExecutionContext &ctx_;
    http::Lease lease_;
    std::function<void()> poll_;
    wfplugin::ExecutionTokenStore token_store_;  // opened once per execution, so a refused cache warns once
};

}  // namespace threecx::xapi
