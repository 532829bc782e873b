#include "wfplugin/url.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace wfplugin::http {
namespace {

struct UrlDeleter {
    void operator()(CURLU *u) const { curl_url_cleanup(u); }
};

// One part of a parsed URL; empty when the URL has none.
std::string part(CURLU *u, CURLUPart which) {
    char *value = nullptr;
    if (curl_url_get(u, which, &value, 0) != CURLUE_OK || !value) return {};
    std::string out(value);
    curl_free(value);
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The port as written after the host, when it is a short run of digits (nothing else of the
// URL is ever repeated).
std::string written_port(std::string_view text) {
    auto start = text.find("://");
    if (start == std::string_view::npos) return {};
    std::string_view authority = text.substr(start + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    auto colon = authority.rfind(':');
    if (colon == std::string_view::npos || authority.find(']', colon) != std::string_view::npos) return {};
    std::string_view port = authority.substr(colon + 1);
    bool digits = !port.empty() && port.size() <= 12 &&
                  std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    return digits ? std::string(port) : std::string();
}

std::string reason(CURLUcode code, std::string_view text) {
    switch (code) {
        case CURLUE_BAD_PORT_NUMBER: {
            std::string port = written_port(text);
            return port.empty() ? "its port is not a number from 1 to 65535" : "its port " + port + " is not from 1 to 65535";
        }
        case CURLUE_BAD_HOSTNAME:
        case CURLUE_NO_HOST: return "it has no valid host name";
        case CURLUE_BAD_SCHEME:
        case CURLUE_NO_SCHEME: return "it does not start with http:// or https://";
        case CURLUE_MALFORMED_INPUT: return "it holds spaces or control characters";
        default: return std::string("libcurl cannot read it (") + curl_url_strerror(code) + ")";
    }
}

}  // namespace

std::string Url::origin() const { return scheme + "://" + host + (port.empty() ? "" : ":" + port); }

std::string Url::target() const { return query.empty() ? path : path + "?" + query; }

std::optional<Url> parse_url(std::string_view text, std::string *why) {
    auto refuse = [&](std::string reason) -> std::optional<Url> {
        if (why) *why = std::move(reason);
        return std::nullopt;
    };
    // CURLU needs a NUL-terminated string: a NUL inside the text would cut it short.
    if (text.find('\0') != std::string_view::npos) return refuse("it holds a NUL character");
    std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
    if (!u) return refuse("libcurl is out of memory");
    if (CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, std::string(text).c_str(), CURLU_NON_SUPPORT_SCHEME); rc != CURLUE_OK)
        return refuse(reason(rc, text));
    Url url;
    url.scheme = lower(part(u.get(), CURLUPART_SCHEME));
    url.host = lower(part(u.get(), CURLUPART_HOST));
    url.port = part(u.get(), CURLUPART_PORT);
    url.path = part(u.get(), CURLUPART_PATH);
    url.query = part(u.get(), CURLUPART_QUERY);
    if (url.scheme != "http" && url.scheme != "https") return refuse("it does not start with http:// or https://");
    if (url.host.empty()) return refuse("it has no host");
    // A user name or password would travel to the server; a fragment never does. Neither
    // belongs in a PBX address.
    if (!part(u.get(), CURLUPART_USER).empty() || !part(u.get(), CURLUPART_PASSWORD).empty())
        return refuse("it holds a user name or password (the API key goes in its own field)");
    if (!part(u.get(), CURLUPART_FRAGMENT).empty()) return refuse("it holds a #fragment");
    if (!url.port.empty() && url.port == "0") return refuse("its port 0 is not from 1 to 65535");
    if (url.path.empty()) url.path = "/";
    return url;
}

}  // namespace wfplugin::http
