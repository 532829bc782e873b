#include "threecx_api.hpp"

#include "xapi/client.hpp"
#include "xapi/credentials.hpp"

namespace threecx {

const wfplugin::CredentialType &threecx_api() {
    static const wfplugin::SpecCredential<xapi::Credentials, xapi::Client> credential({
        .name = "threecxApi",
        .display_name = "3CX API",
        .schema = "threecxApi",
        .parse = xapi::parse_credentials,
        .open = [](const xapi::Credentials &c, wfplugin::ExecutionContext &ctx) {
            return std::make_unique<xapi::Client>(c, ctx);
        },
    });
    return credential;
}

}  // namespace threecx
