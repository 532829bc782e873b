/* Static descriptions of what a plugin offers: its nodes and the credential types they
 * need. All of it is owned by the plugin, immutable, and valid from init() to deinit(). */
#ifndef WFNODE_NODE_H
#define WFNODE_NODE_H

#include "abi.h"

typedef struct wfnode_node_def {
    /* sizeof(wfnode_node_def) as the plugin was built; members past it are absent. */
    uint32_t struct_size;
    /* Version of this node's behaviour and parameters (n8n's typeVersion). */
    uint32_t node_version;
    /* Stable, reverse-DNS-like id, persisted in saved workflows: "threecx.purgeChats". */
    const char *type;
    /* Human name for palettes and forms: "Purge Chats". */
    const char *display_name;
    /* One or two sentences for tooltips and docs. */
    const char *description;
    /* Name of the credential type this node needs ("threecxApi"), or NULL for none. */
    const char *credential_type;
    /* JSON Schema (draft 2020-12) of the node's parameters, with editor hints. UTF-8. */
    const char *schema_json;
} wfnode_node_def;

typedef struct wfnode_credential_def {
    /* sizeof(wfnode_credential_def) as the plugin was built. */
    uint32_t struct_size;
    /* Stable id referenced by wfnode_node_def.credential_type: "threecxApi". */
    const char *name;
    /* Human name: "3CX API". */
    const char *display_name;
    /* JSON Schema (draft 2020-12) of the credential's fields; secret fields carry
     * "writeOnly": true and "x-secret": true. */
    const char *schema_json;
} wfnode_credential_def;

#endif /* WFNODE_NODE_H */
