#include "xapi/credentials.hpp"

#include <wfcommon/fnv1a.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>
#include <wfplugin/url.hpp>

namespace threecx::xapi {

std::string normalise_base_url(const std::string &url) {
    std::string why;
    auto parsed = wfplugin::http::parse_url(url, &why);
    if (!parsed)
        throw wfplugin::invalid("credentials.baseUrl",
                                "credentials.baseUrl must be an http:// or https:// URL with a host: " + why);
    // Scheme and host are case-insensitive (the parser lower-cases them); the path prefix is not.
    std::string path = parsed->path;
    while (!path.empty() && path.back() == '/') path.pop_back();
    return parsed->origin() + path;
}

std::string client_identity(const Credentials &c) { return wfcommon::fnv1a::hex(wfcommon::fnv1a::hash(c.base_url + "\n" + c.client_id)); }

Credentials parse_credentials(const rapidjson::Value &validated) {
    Credentials c;
    c.base_url = normalise_base_url(validated["baseUrl"].GetString());
    c.client_id = validated["clientId"].GetString();
    c.api_key = validated["apiKey"].GetString();
    if (auto *v = wfplugin::json::find(validated, "ignoreTlsIssues")) c.ignore_tls_issues = v->GetBool();
    return c;
}

}  // namespace threecx::xapi
