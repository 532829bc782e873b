// One OAuth2 access token per (baseUrl, clientId) for the whole process. The real server
// keeps only one active token per client, so asking for a token per call or per item would
// log out every other user of the same client. Every execution and thread shares this cache.
#pragma once

#include "xapi/credentials.hpp"

#include <wfplugin/http.hpp>

#include <functional>
#include <string>

namespace threecx::xapi {

namespace http = wfplugin::http;

class TokenCache {
public:
    static TokenCache &instance();

    // A token believed valid, fetched over `lease` if the cache has none or it is about to
    // expire. Concurrent callers for the same client wait for one fetch.
    std::string get(const Credentials &creds, http::Lease &lease, const std::function<void()> &poll);

    // Called after a 401 with `token`: forgets it, unless another thread already replaced it.
    void invalidate(const Credentials &creds, const std::string &token);
};

}  // namespace threecx::xapi
