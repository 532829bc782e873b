/* Status codes: fixed-width integers, never a C enum type (its size is not fixed across
 * compilers). Every call that can fail returns one; the message travels with the error
 * data of that call (wfnode_error), never through a global "last error". */
#ifndef WFNODE_STATUS_H
#define WFNODE_STATUS_H

#include "abi.h"

typedef int32_t wfnode_status;

#define WFNODE_OK                 0
#define WFNODE_ERR_INVALID_INPUT  1 /* parameters, credentials or an item failed validation; nothing was sent */
#define WFNODE_ERR_UNKNOWN_NODE   2 /* no node of that type in this plugin */
#define WFNODE_ERR_API            3 /* the remote service answered with an error (see http_status) */
#define WFNODE_ERR_NETWORK        4 /* connection, TLS or timeout failure */
#define WFNODE_ERR_AUTH           5 /* the credentials were refused */
#define WFNODE_ERR_CANCELLED      6 /* the host's is_cancelled() said stop */
#define WFNODE_ERR_ABORTED_BY_HOST 7 /* a host callback (emit_item) asked to stop */
#define WFNODE_ERR_INTERNAL       8 /* a bug or resource exhaustion inside the plugin */
#define WFNODE_ERR_BAD_REQUEST    9 /* the host passed a malformed request struct */
#define WFNODE_ERR_DRY_RUN       10 /* ABI 1.3: a dry run refused a request that could change the remote service; it was not sent */

#endif /* WFNODE_STATUS_H */
