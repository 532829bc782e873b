#include "token_store_config.hpp"

#include "io.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace nodehost {
namespace {

constexpr const char *form = "redis://HOST[:PORT][/DB][?lock_ttl_ms=N&lock_wait_ms=N&record_ttl_s=N]";

[[noreturn]] void refuse(const std::string &source, const std::string &why) {
    throw UsageError(fmt::format("{}: {} (expected {})", source, why, form));
}

// A decimal number in [low, high], or nullopt.
std::optional<uint64_t> number(std::string_view text, uint64_t low, uint64_t high) {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < low || v > high) return std::nullopt;
    return v;
}

bool host_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

std::string env(const char *name) {
    const char *v = std::getenv(name);
    return v ? v : "";
}

void read_setting(TokenStoreConfig &c, std::string_view pair, const std::string &source) {
    const size_t eq = pair.find('=');
    const std::string_view name = pair.substr(0, eq), value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    auto bounded = [&](uint64_t low, uint64_t high) {
        auto v = number(value, low, high);
        if (!v) refuse(source, fmt::format("{} must be a whole number from {} to {}", name, low, high));
        return *v;
    };
    if (name == "lock_ttl_ms") c.lock_ttl = std::chrono::milliseconds(bounded(100, 3'600'000));
    else if (name == "lock_wait_ms") c.lock_wait = std::chrono::milliseconds(bounded(0, 3'600'000));
    else if (name == "record_ttl_s") c.record_ttl = std::chrono::seconds(bounded(1, 30 * 86400));
    else refuse(source, "unknown setting (lock_ttl_ms, lock_wait_ms or record_ttl_s)");
}

TokenStoreConfig parse(std::string_view url, const std::string &source) {
    constexpr std::string_view scheme = "redis://";
    if (url.starts_with("rediss://")) refuse(source, "TLS (rediss://) is not supported; reach Redis on a trusted network");
    if (!url.starts_with(scheme)) refuse(source, "not a redis:// URL");
    url.remove_prefix(scheme.size());
    std::string_view query;
    if (size_t q = url.find('?'); q != std::string_view::npos) {
        query = url.substr(q + 1);
        url = url.substr(0, q);
    }
    std::string_view path;
    if (size_t slash = url.find('/'); slash != std::string_view::npos) {
        path = url.substr(slash + 1);
        url = url.substr(0, slash);
    }
    // Never repeat what stood before an '@': it is a password put in the wrong place.
    if (url.find('@') != std::string_view::npos)
        refuse(source, "a user or password in the URL is refused, as a command line is readable by every user of "
                       "the machine; pass the password in WFNODE_TOKEN_STORE_PASSWORD");
    TokenStoreConfig c;
    std::string_view port;
    if (url.starts_with("[")) {  // [IPv6]
        const size_t close = url.find(']');
        if (close == std::string_view::npos) refuse(source, "an IPv6 address must end with ]");
        c.host = url.substr(1, close - 1);
        const std::string_view rest = url.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(":")) refuse(source, "only :PORT may follow the host");
        if (!rest.empty()) port = rest.substr(1);
        if (c.host.empty() || c.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos)
            refuse(source, "not an IPv6 address between [ and ]");
    } else {
        const size_t colon = url.find(':');
        c.host = url.substr(0, colon);
        if (colon != std::string_view::npos) port = url.substr(colon + 1);
        for (char ch : c.host)
            if (!host_character(ch)) refuse(source, "the host must be a name or an address");
    }
    if (c.host.empty()) refuse(source, "no host");
    if (c.host.size() > 253) refuse(source, "the host is longer than 253 characters");
    if (!port.empty() || url.ends_with(":")) {
        auto p = number(port, 1, 65535);
        if (!p) refuse(source, "the port must be a number from 1 to 65535");
        c.port = static_cast<int>(*p);
    }
    if (!path.empty()) {
        auto db = number(path, 0, 1'000'000);
        if (!db) refuse(source, "the database (after the /) must be a number");
        c.db = static_cast<uint32_t>(*db);
    }
    while (!query.empty()) {
        const size_t amp = query.find('&');
        read_setting(c, query.substr(0, amp), source);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    }
    c.username = env("WFNODE_TOKEN_STORE_USERNAME");
    c.password = env("WFNODE_TOKEN_STORE_PASSWORD");
    if (!c.username.empty() && c.password.empty())
        refuse(source, "WFNODE_TOKEN_STORE_USERNAME is set without WFNODE_TOKEN_STORE_PASSWORD");
    return c;
}

}  // namespace

std::string TokenStoreConfig::url() const {
    const bool v6 = host.find(':') != std::string::npos;
    return fmt::format("redis://{}{}{}:{}/{}", v6 ? "[" : "", host, v6 ? "]" : "", port, db);
}

std::optional<TokenStoreConfig> token_store_config(const std::string &option) {
    if (!option.empty()) return parse(option, "--token-store");
    const std::string from_env = env("WFNODE_TOKEN_STORE");
    if (!from_env.empty()) return parse(from_env, "WFNODE_TOKEN_STORE");
    return std::nullopt;
}

}  // namespace nodehost
