/* The one exported symbol. A host dlopen()s the plugin, dlsym()s WFNODE_ENTRY_SYMBOL,
 * calls it, and checks abi_version before touching any other member. */
#ifndef WFNODE_ENTRY_H
#define WFNODE_ENTRY_H

#include "abi.h"
#include "execute.h"
#include "host.h"
#include "node.h"
#include "status.h"
#include "version.h"

typedef struct wfnode_plugin {
    /* The ABI this plugin was built against. First member in every version of this
     * struct, so a host of any version can read it. */
    wfnode_version abi_version;
    /* sizeof(wfnode_plugin) as the plugin was built; members past it are absent. */
    uint32_t struct_size;

    /* Stable id ("com.example.threecx"), human name and the plugin's own version. */
    const char *id;
    const char *name;
    const char *version;

    /* Every successful init() is paired with one deinit(); init() may be called again after
     * it (a host that loads the plugin twice). Cheap, no I/O. Nothing but abi_version,
     * struct_size and the strings above may be used before init() returns WFNODE_OK.
     * [load-thread] */
    wfnode_status(WFNODE_ABI *init)(void);
    void(WFNODE_ABI *deinit)(void);

    /* Static descriptors: count, then get(index) for 0 <= index < count; get returns
     * NULL out of range. Owned by the plugin, valid until the last deinit(). [any-thread] */
    uint32_t(WFNODE_ABI *node_count)(void);
    const wfnode_node_def *(WFNODE_ABI *node_get)(uint32_t index);
    uint32_t(WFNODE_ABI *credential_count)(void);
    const wfnode_credential_def *(WFNODE_ABI *credential_get)(uint32_t index);

    /* Runs one node over the request's items, streaming output through host->emit_item and
     * errors through host->emit_error. Both structs are borrowed for the call. Returns
     * WFNODE_OK, or the status of the error that ended the execution (already emitted).
     * Never throws, never aborts. Several threads may run execute() at once. [any-thread] */
    wfnode_status(WFNODE_ABI *execute)(const wfnode_execute_request *request,
                                       const wfnode_host *host);

    /* Optional features by versioned string id ("vendor.feature/1"): a const vtable owned
     * by the plugin, or NULL when not offered. [any-thread] */
    const void *(WFNODE_ABI *get_extension)(const char *id);
} wfnode_plugin;

#define WFNODE_ENTRY_SYMBOL "wfnode_entry"

/* The entry point every plugin exports. Returns a pointer to a static descriptor, valid
 * while the library stays loaded. May be called any number of times. [any-thread] */
typedef const wfnode_plugin *(WFNODE_ABI *wfnode_entry_fn)(void);

#endif /* WFNODE_ENTRY_H */
