/* ABI version. A host accepts a plugin whose major equals its own, whatever the minor:
 * minor releases only add members at the end of structs (found through struct_size) and
 * never change the meaning of an existing one. A new major breaks compatibility. */
#ifndef WFNODE_VERSION_H
#define WFNODE_VERSION_H

#include "abi.h"

#define WFNODE_VERSION_MAJOR 1
#define WFNODE_VERSION_MINOR 4 /* 1.1: wfnode_host.get_extension (token stores); 1.2: wfnode.options/1;
                                 1.3: wfnode.dry-run/1 and WFNODE_ERR_DRY_RUN;
                                 1.4: the host's wfnode.state/1 (a node's state across runs) */
#define WFNODE_VERSION_PATCH 0

typedef struct wfnode_version {
    uint32_t major; /* incompatible changes */
    uint32_t minor; /* additions at the end of structs */
    uint32_t patch; /* fixes; no interface change */
} wfnode_version;

#define WFNODE_VERSION_INIT {WFNODE_VERSION_MAJOR, WFNODE_VERSION_MINOR, WFNODE_VERSION_PATCH}

/* True when a host built against this header can use a plugin built against `v`. */
#define WFNODE_VERSION_IS_COMPATIBLE(v) ((v).major == WFNODE_VERSION_MAJOR)

#endif /* WFNODE_VERSION_H */
