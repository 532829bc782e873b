// The threecxApi credential, validated and normalised.
#pragma once

#include <rapidjson/document.h>

#include <string>

namespace threecx::xapi {

// How every request of this plugin names itself to the PBX.
inline constexpr const char *user_agent = "threecx-wfnode/" THREECX_PLUGIN_VERSION;

struct Credentials {
    std::string base_url;     // normalised: no trailing slash, scheme and host lower-case
    std::string client_id;
    std::string api_key;      // secret: never logged, never in an error or an output
    bool ignore_tls_issues = false;

    std::string service_root() const { return base_url + service_path(); }
    static std::string service_path() { return "/xapi/v1"; }
    std::string token_url() const { return base_url + "/connect/token"; }
};

// The API client these credentials name, as 16 hex digits (FNV-1a of the base URL and the
// client id; never the key): what an incremental export's checkpoint belongs to.
std::string client_identity(const Credentials &c);

// Reads credentials already validated against schemas/threecxApi.json; normalises the base URL.
Credentials parse_credentials(const rapidjson::Value &validated);

// "HTTPS://PBX.example.com:5001/prefix//" -> "https://pbx.example.com:5001/prefix".
std::string normalise_base_url(const std::string &url);

}  // namespace threecx::xapi
