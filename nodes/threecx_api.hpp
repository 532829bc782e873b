// The threecxApi credential type: validated by schemas/threecxApi.json, it opens an
// xapi::Client (one connection and the shared token) as the session of an execution.
#pragma once

#include <wfplugin/credential.hpp>

namespace threecx {

const wfplugin::CredentialType &threecx_api();

}  // namespace threecx
