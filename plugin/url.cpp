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

}  // namespace

std::string Url::origin() const { return scheme + "://" + host + (port.empty() ? "" : ":" + port); }

std::optional<Url> parse_url(std::string_view text) {
    // CURLU needs a NUL-terminated string: a NUL inside the text would cut it short.
    if (text.find('\0') != std::string_view::npos) return std::nullopt;
    std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, std::string(text).c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK)
        return std::nullopt;
    Url url;
    url.scheme = lower(part(u.get(), CURLUPART_SCHEME));
    url.host = lower(part(u.get(), CURLUPART_HOST));
    url.port = part(u.get(), CURLUPART_PORT);
    url.path = part(u.get(), CURLUPART_PATH);
    url.query = part(u.get(), CURLUPART_QUERY);
    if ((url.scheme != "http" && url.scheme != "https") || url.host.empty()) return std::nullopt;
    // A user name or password would travel to the server; a fragment never does. Neither
    // belongs in a PBX address.
    if (!part(u.get(), CURLUPART_USER).empty() || !part(u.get(), CURLUPART_PASSWORD).empty() ||
        !part(u.get(), CURLUPART_FRAGMENT).empty())
        return std::nullopt;
    if (url.path.empty()) url.path = "/";
    return url;
}

}  // namespace wfplugin::http
