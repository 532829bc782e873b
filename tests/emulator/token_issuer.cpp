#include "token_issuer.hpp"

#include "odata_error.hpp"

#include <fmt/format.h>

#include <random>

namespace emulator {
namespace {

std::string param(const httplib::Request &req, const char *name) {
    return req.has_param(name) ? req.get_param_value(name) : std::string();
}

}  // namespace

TokenIssuer::TokenIssuer(std::string client_id, std::string client_secret, int lifetime_s)
    : client_id_(std::move(client_id)), client_secret_(std::move(client_secret)), lifetime_s_(lifetime_s) {}

void TokenIssuer::issue(const httplib::Request &req, httplib::Response &res, size_t padding) {
    std::lock_guard lock(mutex_);
    auto fail = [&](const char *error, const std::string &description) {
        res.status = 400;
        res.set_content(fmt::format(R"({{"error":"{}","error_description":"{}"}})", error, description), "application/json");
    };
    if (param(req, "grant_type") != "client_credentials") return fail("unsupported_grant_type", "grant_type must be client_credentials");
    // The secret echoed back: a client must keep such an answer out of what it reports.
    if (param(req, "client_id") != client_id_ || param(req, "client_secret") != client_secret_)
        return fail("invalid_client", "Invalid client credentials: " + param(req, "client_secret"));
    active_ = fmt::format("emu-{}-{:016x}", ++serial_, std::random_device{}() * 0x9e3779b97f4a7c15ULL);
    expiry_ = std::chrono::steady_clock::now() + std::chrono::seconds(lifetime_s_);
    const std::string pad = padding ? fmt::format(R"("padding":"{}",)", std::string(padding, 'x')) : "";
    res.set_content(fmt::format(R"({{{}"token_type":"Bearer","expires_in":{},"access_token":"{}"}})", pad, lifetime_s_, active_),
                    "application/json");
}

bool TokenIssuer::authorised(const httplib::Request &req, httplib::Response &res) {
    std::lock_guard lock(mutex_);
    const std::string header = req.get_header_value("Authorization");
    const bool ok = header.rfind("Bearer ", 0) == 0 && !active_.empty() && header.substr(7) == active_ &&
                    std::chrono::steady_clock::now() < expiry_;
    if (!ok) {
        res.set_header("WWW-Authenticate", "Bearer");
        odata_error(res, 401, "Unauthorized", "The access token is missing, invalid or expired.");
    }
    return ok;
}

void TokenIssuer::revoke() {
    std::lock_guard lock(mutex_);
    active_.clear();
}

}  // namespace emulator
