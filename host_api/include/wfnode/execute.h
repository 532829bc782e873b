/* One execution of one node over a batch of input items. */
#ifndef WFNODE_EXECUTE_H
#define WFNODE_EXECUTE_H

#include "abi.h"

/* When set, a failing item is reported through emit_error and the next item runs; the
 * execution then returns WFNODE_OK. When clear, the first failure ends the execution. */
#define WFNODE_EXEC_CONTINUE_ON_FAIL (1u << 0)

/* One input item. */
typedef struct wfnode_item {
    /* The item's JSON object (n8n's `$json`). UTF-8, NUL-terminated. Required. */
    const char *json;
    /* This item's parameters as a JSON object, after the host evaluated any expressions
     * against the item; NULL means "use wfnode_execute_request.parameters_json". */
    const char *parameters_json;
} wfnode_item;

typedef struct wfnode_execute_request {
    /* sizeof(wfnode_execute_request) as the host was built. */
    uint32_t struct_size;
    /* WFNODE_EXEC_* bits. */
    uint32_t flags;
    /* wfnode_node_def.type of the node to run. */
    const char *node_type;
    /* Parameters shared by every item that has none of its own: a JSON object. */
    const char *parameters_json;
    /* The credential the node needs, as a JSON object matching its schema; may be NULL
     * for a node without credential_type. Secret: the plugin never logs or echoes it. */
    const char *credentials_json;
    /* The input items, item_count of them; item_count may be 0. */
    const wfnode_item *items;
    uint32_t item_count;
} wfnode_execute_request;

#endif /* WFNODE_EXECUTE_H */
