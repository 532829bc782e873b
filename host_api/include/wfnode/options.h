/* Optional feature "wfnode.options/1" (ABI 1.2): dynamic choices for a parameter whose values
 * only the remote service knows (n8n's loadOptionsMethod), such as the time zones a PBX
 * accepts. A field's schema names its source with the keyword "x-options-source" (a name the
 * plugin defines); an editor sees it, asks the plugin for the choices of that field with the
 * credentials, and offers them as a drop-down. A plugin that offers this returns a
 * wfnode_options_ext from get_extension(WFNODE_EXT_OPTIONS); an older one returns NULL, and
 * the host then offers a free-text field. */
#ifndef WFNODE_OPTIONS_H
#define WFNODE_OPTIONS_H

#include "abi.h"
#include "host.h"
#include "status.h"

#define WFNODE_EXT_OPTIONS "wfnode.options/1"

/* The schema keyword naming a field's options source: "x-options-source": "timeZones". */
#define WFNODE_SCHEMA_OPTIONS_SOURCE "x-options-source"

typedef struct wfnode_options_request {
    /* sizeof(wfnode_options_request) as the host was built. */
    uint32_t struct_size;
    /* wfnode_node_def.type of the node whose field is asked about. */
    const char *node_type;
    /* Dotted path of the field ("clientTimeZone", "options.x") whose schema carries
     * WFNODE_SCHEMA_OPTIONS_SOURCE. */
    const char *field;
    /* The node's parameters as filled in so far (a JSON object), for choices that depend on
     * other fields; NULL means none. */
    const char *parameters_json;
    /* The credential the node needs, as for execute(); secret, never logged or echoed. */
    const char *credentials_json;
} wfnode_options_request;

typedef struct wfnode_options_ext {
    /* sizeof(wfnode_options_ext) as the plugin was built; members past it are absent. */
    uint32_t struct_size;

    /* Fetches the choices of request->field and hands each to host->emit_item (paired_item
     * 0) as a JSON object {"name": shown to people, "value": what the parameter takes,
     * "description": optional}, in the order to show them. Problems reach host->emit_error
     * as in execute() (a field without an options source is WFNODE_ERR_INVALID_INPUT naming
     * the field). Returns WFNODE_OK or the status of the error. The request and host are
     * borrowed for the call. [any-thread] */
    wfnode_status(WFNODE_ABI *load_options)(const wfnode_options_request *request, const wfnode_host *host);
} wfnode_options_ext;

#endif /* WFNODE_OPTIONS_H */
