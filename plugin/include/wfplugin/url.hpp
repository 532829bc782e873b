// Absolute http(s) URLs, read by libcurl's URL API (CURLU): the one URL parser of the plugin,
// so what we check and what libcurl connects to cannot disagree.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wfplugin::http {

struct Url {
    std::string scheme;  // "http" or "https", lower-case
    std::string host;    // lower-case; an IPv6 address keeps its brackets
    std::string port;    // as written, empty when absent
    std::string path;    // "/" at least
    std::string query;   // without '?', empty when absent

    // "scheme://host[:port]": what a connection is opened to, and pooled by.
    std::string origin() const;
    // "path[?query]": the request target sent. Measured from the parts, never from the text:
    // a URL may spell its origin otherwise ("http://127.1", "HTTP://PBX:0443").
    std::string target() const;
};

// An absolute http or https URL with a host and no user name, password or fragment;
// nullopt for anything else (a relative reference, another scheme, spaces). `why`, when
// given, receives the reason in a few words that never repeat the URL ("its port 99999 is
// not from 1 to 65535"), since a URL may hold a password.
std::optional<Url> parse_url(std::string_view text, std::string *why = nullptr);

}  // namespace wfplugin::http
