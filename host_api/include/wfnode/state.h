/* Host extension "wfnode.state/1" (ABI 1.4): a node's state across runs, such as the
 * checkpoint of an incremental export. The node owns what its state means (an opaque JSON
 * object it wrote in an earlier run); the host owns where it lives and when it is committed.
 * A node step reads the state committed by its last successful run and stages a new one;
 * the host commits the staged state only once the run succeeded: the execution, and every
 * step that consumed its output (the files written from it durable). A failed, cancelled or
 * dry run commits nothing, so the next run starts again from the last committed state.
 * Offered through wfnode_host.get_extension(host, WFNODE_EXT_STATE), for one execution of
 * one node step; NULL from a host that keeps no state (a node that needs it then fails with
 * an error that says so, and never silently runs without it). */
#ifndef WFNODE_STATE_H
#define WFNODE_STATE_H

#include "abi.h"
#include "host.h"
#include "status.h"

#define WFNODE_EXT_STATE "wfnode.state/1"

typedef struct wfnode_state {
    /* sizeof(wfnode_state) as the host was built; members past it are absent. */
    uint32_t struct_size;

    /* Copies the state committed for the node step being executed (a JSON object, UTF-8,
     * that this node staged in an earlier run; the host keeps its bytes as they were staged)
     * into `buf` with a terminating NUL and returns its length, or returns 0 when there is
     * none (the first run). A state of `cap` bytes or more is not copied and its length is
     * returned: call again with a buffer of length + 1. The same answer for the whole
     * execution, whatever was staged meanwhile. [exec-thread] */
    size_t(WFNODE_ABI *get)(const wfnode_host *host, char *buf, size_t cap);

    /* Stages `json` (a JSON object, UTF-8, NUL-terminated; borrowed for the call: the host
     * copies it) as the node step's new state, replacing what this execution staged before.
     * Nothing is committed yet: the host commits it after the run succeeded, or drops it.
     * Returns WFNODE_OK, or an error status when the host cannot keep it (not a JSON object,
     * too large): the node then fails its execution. [exec-thread] */
    wfnode_status(WFNODE_ABI *stage)(const wfnode_host *host, const char *json);
} wfnode_state;

#endif /* WFNODE_STATE_H */
