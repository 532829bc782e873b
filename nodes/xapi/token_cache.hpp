// One OAuth2 access token per (baseUrl, clientId) for the whole process. The real server
// keeps only one active token per client, so asking for a token per call or per item would
// log out every other user of the same client. Every execution and thread shares this cache.
#pragma once

#include "xapi/credentials.hpp"

#include <wfplugin/http.hpp>
#include <wfplugin/token_store.hpp>

#include <functional>
#include <string>

namespace threecx::xapi {

namespace http = wfplugin::http;

class TokenCache {
public:
    static TokenCache &instance();

    // A token believed valid, fetched over `lease` if the cache has none or it is about to
    // expire. Concurrent callers for the same client wait for one fetch.
    // Across processes, the token is shared through the execution's token store
    // (wfplugin/token_store.hpp), opened the first time a token is needed.
    std::string get(const Credentials &creds, http::Lease &lease, const std::function<void()> &poll,
                    wfplugin::ExecutionTokenStore &execution_store);

    // Called after a 401 with `token`: forgets it, unless another thread already replaced it.
    void invalidate(const Credentials &creds, const std::string &token);
};

}  // namespace threecx::xapi
