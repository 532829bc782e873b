/* Optional feature "wfnode.validate/1": checking a request without running it, so a host
 * can refuse a whole pipeline (every step's parameters and credentials) before its first
 * step changes anything. A plugin that offers it returns a wfnode_validate_ext from
 * get_extension(WFNODE_EXT_VALIDATE); one that does not returns NULL. */
#ifndef WFNODE_VALIDATE_H
#define WFNODE_VALIDATE_H

#include "abi.h"
#include "execute.h"
#include "host.h"
#include "status.h"

#define WFNODE_EXT_VALIDATE "wfnode.validate/1"

typedef struct wfnode_validate_ext {
    /* sizeof(wfnode_validate_ext) as the plugin was built; members past it are absent. */
    uint32_t struct_size;

    /* Checks the request's credentials and every item's parameters exactly as execute()
     * would before sending anything, and reports each problem through host->emit_error
     * (item_index and field set, as execute() does). Sends nothing, emits no items, opens no
     * connection. Returns WFNODE_OK, or the status of the first problem. The request and host
     * are borrowed for the call; only emit_error and log are called. [any-thread] */
    wfnode_status(WFNODE_ABI *validate)(const wfnode_execute_request *request, const wfnode_host *host);
} wfnode_validate_ext;

#endif /* WFNODE_VALIDATE_H */
