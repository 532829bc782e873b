/* Optional feature "wfnode.dry-run/1" (ABI 1.3): an execution that changes nothing on the
 * remote service. "Change nothing" is a property of the call, not of a parameter: no
 * parameter, expression or item can turn a dry run into a real one, because the plugin's
 * request layer refuses, before it leaves, every request that could change the server.
 * A plugin that offers it returns a wfnode_dry_run_ext from get_extension(WFNODE_EXT_DRY_RUN);
 * an older one returns NULL, and a host must then not run it at all when asked for a dry run
 * (a 1.2 plugin's execute() would send whatever its parameters say). */
#ifndef WFNODE_DRY_RUN_H
#define WFNODE_DRY_RUN_H

#include "abi.h"
#include "execute.h"
#include "host.h"
#include "status.h"

#define WFNODE_EXT_DRY_RUN "wfnode.dry-run/1"

typedef struct wfnode_dry_run_ext {
    /* sizeof(wfnode_dry_run_ext) as the plugin was built; members past it are absent. */
    uint32_t struct_size;

    /* Runs the request as execute() does (same items, errors, statuses, threads and
     * lifetimes), except that only reads reach the remote service: GET and HEAD requests, and
     * the request for an access token. Any other request is refused before it is sent, with
     * WFNODE_ERR_DRY_RUN naming it, whatever the node's parameters say. A node that can
     * preview its change (Purge Chats counts what its period matches) does so and emits the
     * preview, with the request it would have sent; a node that only reads runs as usual.
     * [any-thread] */
    wfnode_status(WFNODE_ABI *execute)(const wfnode_execute_request *request, const wfnode_host *host);
} wfnode_dry_run_ext;

#endif /* WFNODE_DRY_RUN_H */
