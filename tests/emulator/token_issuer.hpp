// OAuth2 client credentials as a 3CX PBX grants them: POST /connect/token with client_id,
// client_secret and grant_type=client_credentials; one active token per client (a new one
// invalidates the previous), expiring after its lifetime. Shared by the emulator and the
// description-driven mock (tests/xapi_mock).
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

namespace emulator {

class TokenIssuer {
public:
    TokenIssuer(std::string client_id, std::string client_secret, int lifetime_s);
    // Answers a token request: a new token, or 400 with {error, error_description}.
    // `padding`: bytes of JSON before the token (a fault: an oversized answer).
    void issue(const httplib::Request &, httplib::Response &, size_t padding = 0);
    // True when the request carries the active, unexpired token; else answers 401.
    bool authorised(const httplib::Request &, httplib::Response &);
    // As if another process of the same client had taken a new token.
    void revoke();

private:
    const std::string client_id_, client_secret_;
    const int lifetime_s_;
    std::mutex mutex_;
    std::string active_;
    std::chrono::steady_clock::time_point expiry_{};
    uint64_t serial_ = 0;
};

}  // namespace emulator
