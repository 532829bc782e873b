/* A minimal host written in C: loads the plugin, checks the ABI version, lists the nodes and
 * runs one execution whose bad input must come back as error data. Exit 0 when all holds. */
#include <wfnode/wfnode.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static int errors_seen = 0;
static char last_field[64];

static wfnode_status WFNODE_ABI on_item(const wfnode_host *host, uint32_t paired, const char *json, size_t len) {
    (void)host;
    printf("item %u: %.*s\n", paired, (int)len, json);
    return WFNODE_OK;
}

static void WFNODE_ABI on_error(const wfnode_host *host, const wfnode_error *e) {
    (void)host;
    ++errors_seen;
    snprintf(last_field, sizeof last_field, "%s", e->field ? e->field : "");
    printf("error (item %u, field %s): %s\n", e->item_index, e->field ? e->field : "-", e->message);
}

int main(int argc, char **argv) {
    void *lib;
    wfnode_entry_fn entry;
    const wfnode_plugin *plugin;
    uint32_t i, n;
    wfnode_host host;
    wfnode_item item;
    wfnode_execute_request req;
    wfnode_status status;

    if (argc != 2) {
        fprintf(stderr, "usage: c_host PLUGIN\n");
        return 2;
    }
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    *(void **)(&entry) = dlsym(lib, WFNODE_ENTRY_SYMBOL);
    if (!entry) return 1;
    plugin = entry();
    if (!WFNODE_VERSION_IS_COMPATIBLE(plugin->abi_version)) {
        fprintf(stderr, "incompatible ABI %u.%u\n", plugin->abi_version.major, plugin->abi_version.minor);
        return 1;
    }
    if (plugin->init() != WFNODE_OK) return 1;
    printf("plugin %s %s, ABI %u.%u\n", plugin->id, plugin->version, plugin->abi_version.major, plugin->abi_version.minor);
    n = plugin->node_count();
    for (i = 0; i < n; ++i) printf("%s\t%s\n", plugin->node_get(i)->type, plugin->node_get(i)->display_name);
    if (n != 3 || plugin->node_get(n) != NULL) return 1;

    memset(&host, 0, sizeof host);
    host.struct_size = sizeof host;
    host.emit_item = on_item;
    host.emit_error = on_error;
    item.json = "{}";
    item.parameters_json = NULL;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.node_type = "threecx.downloadChatHistory";
    req.parameters_json = "{\"clientTimeZone\": \"Europe/Berlin\", \"options\": {\"top\": -5}}";
    req.credentials_json = "{\"baseUrl\": \"http://127.0.0.1:9\", \"clientId\": \"c\", \"apiKey\": \"k\"}";
    req.items = &item;
    req.item_count = 1;
    status = plugin->execute(&req, &host);
    plugin->deinit();
    dlclose(lib);
    if (status != WFNODE_ERR_INVALID_INPUT || errors_seen != 1 || strcmp(last_field, "options.top") != 0) {
        fprintf(stderr, "expected one invalid-input error on options.top, got status %d\n", (int)status);
        return 1;
    }
    printf("ok\n");
    return 0;
}
