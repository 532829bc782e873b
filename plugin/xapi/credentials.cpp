#include "xapi/credentials.hpp"

#include "embedded_schemas.hpp"
#include "json.hpp"
#include "schema_validator.hpp"

#include <algorithm>
#include <cctype>

namespace threecx::xapi {

std::string normalise_base_url(const std::string &url) {
    std::string out = url;
    auto scheme_end = out.find("://");
    auto host_end = out.find('/', scheme_end + 3);
    if (host_end == std::string::npos) host_end = out.size();
    // Scheme and host are case-insensitive; the path prefix is not.
    std::transform(out.begin(), out.begin() + static_cast<long>(host_end), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    while (!out.empty() && out.back() == '/') out.pop_back();
    return out;
}

Credentials parse_credentials(const rapidjson::Value &json) {
    validate_against_schema(json, schemas::document("threecxApi"), "credentials");
    Credentials c;
    c.base_url = normalise_base_url(json["baseUrl"].GetString());
    c.client_id = json["clientId"].GetString();
    c.api_key = json["apiKey"].GetString();
    if (auto *v = json::find(json, "ignoreTlsIssues")) c.ignore_tls_issues = v->GetBool();
    return c;
}

}  // namespace threecx::xapi
