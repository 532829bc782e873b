// The execute() of the ABI, in C++: validates the credentials and every item first, then
// runs the node's work item by item over one session, turning failures into error data.
#pragma once

#include <wfnode/execute.h>
#include <wfnode/host.h>
#include <wfplugin/credential.hpp>
#include <wfplugin/node.hpp>

namespace wfplugin {

wfnode_status execute_request(const wfnode_execute_request &request, const wfnode_host &host);

// The "wfnode.dry-run/1" extension: execute_request with the context's dry_run() set, so the
// request layer sends only reads and the token request, whatever the parameters say.
wfnode_status execute_dry_run_request(const wfnode_execute_request &request, const wfnode_host &host);

// Validates `credentials_json` for `node` (errors name "credentials.<field>"), registers its
// secrets with `ctx` for redaction, and returns how to open the session. Throws NodeError.
SessionOpener accept_credentials(const Node &node, const char *credentials_json, ExecutionContext &ctx);

// The "wfnode.validate/1" extension: the same checks, every problem reported, nothing run.
wfnode_status validate_request(const wfnode_execute_request &request, const wfnode_host &host);

}  // namespace wfplugin
