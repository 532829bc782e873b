/* Host extension "wfnode.token-store/1" (ABI 1.1): where a plugin keeps the access tokens it
 * obtains, so that many processes (or machines) using one API client share one token. The
 * server behind the 3CX plugin keeps one active token per client: without sharing, each
 * process that fetches a token logs the others out. A host that spans machines backs this
 * with a shared store; without it, the plugin uses a per-user file cache (0600, locked).
 * Offered through wfnode_host.get_extension(host, WFNODE_EXT_TOKEN_STORE). */
#ifndef WFNODE_TOKEN_STORE_H
#define WFNODE_TOKEN_STORE_H

#include "abi.h"
#include "host.h"

#define WFNODE_EXT_TOKEN_STORE "wfnode.token-store/1"

typedef struct wfnode_token_store {
    /* sizeof(wfnode_token_store) as the host was built; members past it are absent. */
    uint32_t struct_size;

    /* Holds the store's lock for `key` until unlock(): the plugin holds it from reading a
     * token to storing a new one, so only one process fetches. Blocking. `key` names an API
     * client (a hash of its address and id, never a secret). [exec-thread] */
    void(WFNODE_ABI *lock)(const wfnode_host *host, const char *key);
    void(WFNODE_ABI *unlock)(const wfnode_host *host, const char *key);

    /* Copies the record stored for `key` (an opaque, NUL-free string the plugin wrote; it
     * holds the token) into `buf` with a terminating NUL and returns its length, or returns 0
     * when there is none; a record of `cap` bytes or more is not copied and its length is
     * returned. [exec-thread] */
    size_t(WFNODE_ABI *get)(const wfnode_host *host, const char *key, char *buf, size_t cap);

    /* Stores `record` for `key`, replacing what was there. [exec-thread] */
    void(WFNODE_ABI *put)(const wfnode_host *host, const char *key, const char *record);
} wfnode_token_store;

#endif /* WFNODE_TOKEN_STORE_H */
