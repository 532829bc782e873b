/* What the host lends the plugin for one execute() call: where output items and errors
 * go, logging, progress, and cancellation. The plugin calls these only on the thread that
 * called execute() and only before execute() returns ([exec-thread]), so a host needs no
 * locking of its own for a single execution. Every pointer the plugin passes to a callback
 * is borrowed for that call only: the host copies what it keeps. */
#ifndef WFNODE_HOST_H
#define WFNODE_HOST_H

#include "abi.h"
#include "status.h"

#define WFNODE_LOG_DEBUG 0
#define WFNODE_LOG_INFO  1
#define WFNODE_LOG_WARN  2
#define WFNODE_LOG_ERROR 3

/* Sentinel for "not tied to one input item" in item indexes. */
#define WFNODE_NO_ITEM UINT32_MAX

/* One failure, as data. */
typedef struct wfnode_error {
    uint32_t struct_size;
    /* One of WFNODE_ERR_*. */
    wfnode_status status;
    /* Index of the input item that failed, or WFNODE_NO_ITEM. */
    uint32_t item_index;
    /* HTTP status the server answered, or 0 when no answer was involved. */
    int32_t http_status;
    /* Dotted path of the offending parameter ("options.top", "period.Start"), or NULL. */
    const char *field;
    /* Human-readable, one line, never containing a secret. Never NULL. */
    const char *message;
    /* The server's error code ("XapiInvalidTimezone"), or NULL. */
    const char *api_code;
} wfnode_error;

/* Progress of one execution; counters only grow. */
typedef struct wfnode_progress {
    uint32_t struct_size;
    /* Input items finished so far, and the total. */
    uint64_t items_done;
    uint64_t items_total;
    /* Output items emitted so far. */
    uint64_t items_out;
    /* Requests (pages) completed so far. */
    uint64_t requests;
    /* Bytes of response bodies received so far. */
    uint64_t bytes_in;
} wfnode_progress;

typedef struct wfnode_host wfnode_host;
struct wfnode_host {
    /* sizeof(wfnode_host) as the host was built; the plugin never reads past it. */
    uint32_t struct_size;
    /* The host's own pointer (a C++ host's `this`); the plugin never touches it. */
    void *host_data;

    /* Receives one output item: a JSON object, UTF-8, NUL-terminated, `json_len` bytes
     * without the NUL. `paired_item` is the index of the input item it came from. The host
     * copies it; the plugin reuses its buffer right after. Return WFNODE_OK to go on;
     * anything else makes execute() stop and return WFNODE_ERR_ABORTED_BY_HOST.
     * Required. [exec-thread] */
    wfnode_status(WFNODE_ABI *emit_item)(const wfnode_host *host, uint32_t paired_item,
                                         const char *json, size_t json_len);

    /* Receives every error, item-level or execution-level, as data; called before
     * execute() returns the same status. Required. [exec-thread] */
    void(WFNODE_ABI *emit_error)(const wfnode_host *host, const wfnode_error *error);

    /* A log line at one of WFNODE_LOG_*. Never contains a secret. May be NULL. [exec-thread] */
    void(WFNODE_ABI *log)(const wfnode_host *host, int32_t level, const char *message);

    /* Progress after each request and each finished item. May be NULL. [exec-thread] */
    void(WFNODE_ABI *progress)(const wfnode_host *host, const wfnode_progress *progress);

    /* Polled between requests and between items; non-zero means stop as soon as possible
     * (execute() then returns WFNODE_ERR_CANCELLED). May be NULL. [exec-thread] */
    int32_t(WFNODE_ABI *is_cancelled)(const wfnode_host *host);

    /* --- ABI 1.1: members below are absent from a 1.0 host (check struct_size). --- */

    /* Optional features the host offers the plugin, by versioned string id (e.g.
     * WFNODE_EXT_TOKEN_STORE): a const vtable owned by the host, valid for the call, or NULL
     * when not offered. May be NULL itself. [exec-thread] */
    const void *(WFNODE_ABI *get_extension)(const wfnode_host *host, const char *id);
};

#endif /* WFNODE_HOST_H */
