// The "wfnode.options/1" extension (ABI 1.2) in C++: finds the options source a field's
// schema names, opens the node's session with the credentials, and emits the choices.
#pragma once

#include <wfnode/host.h>
#include <wfnode/options.h>

namespace wfplugin {

wfnode_status load_options_request(const wfnode_options_request &request, const wfnode_host &host);

}  // namespace wfplugin
