/* A host written in C99: loads the 3CX plugin, checks its ABI version, lists its nodes, and
 * runs both: a download of two chats and a purge dry run. It uses only what ABI 1.0 offers,
 * so the tests also build it against the frozen 1.0 headers (an old host, a new plugin).
 * Usage: host-c CREDENTIALS.json [PLUGIN.so] */
#include <wfnode/wfnode.h>

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static unsigned items_seen, errors_seen;

static wfnode_status WFNODE_ABI on_item(const wfnode_host *host, uint32_t paired, const char *json, size_t len) {
    (void)host;
    ++items_seen;
    printf("item %u: %.*s\n", paired, (int)(len > 80 ? 80 : len), json);
    return WFNODE_OK;
}

static void WFNODE_ABI on_error(const wfnode_host *host, const wfnode_error *e) {
    (void)host;
    ++errors_seen;
    fprintf(stderr, "error (field %s): %s\n", e->field ? e->field : "-", e->message);
}

static wfnode_status run(const wfnode_plugin *p, const char *type, const char *params, const char *credentials) {
    wfnode_host host;
    wfnode_item item;
    wfnode_execute_request req;
    memset(&host, 0, sizeof host);
    host.struct_size = sizeof host; /* the host's own size: a 1.0 host has no get_extension */
    host.emit_item = on_item;
    host.emit_error = on_error;
    item.json = "{}";
    item.parameters_json = NULL;
    memset(&req, 0, sizeof req);
    req.struct_size = sizeof req;
    req.node_type = type;
    req.parameters_json = params;
    req.credentials_json = credentials;
    req.items = &item;
    req.item_count = 1;
    return p->execute(&req, &host);
}

int main(int argc, char **argv) {
    static char credentials[4096];
    const char *path;
    FILE *f;
    size_t n;
    void *lib;
    wfnode_entry_fn entry;
    const wfnode_plugin *p;
    uint32_t i;
    unsigned downloaded;
    wfnode_status s1, s2;

#ifdef WFNODE_EXAMPLE_PLUGIN
    path = argc > 2 ? argv[2] : WFNODE_EXAMPLE_PLUGIN;
#else
    path = argc > 2 ? argv[2] : "libthreecx_wfnode.so";
#endif
    if (argc < 2 || !(f = fopen(argv[1], "r"))) {
        fprintf(stderr, "usage: host-c CREDENTIALS.json [PLUGIN.so]\n");
        return 2;
    }
    n = fread(credentials, 1, sizeof credentials - 1, f);
    fclose(f);
    credentials[n] = '\0';

    if (!(lib = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    *(void **)(&entry) = dlsym(lib, WFNODE_ENTRY_SYMBOL);
    if (!entry || !(p = entry())) return 1;
    if (!WFNODE_VERSION_IS_COMPATIBLE(p->abi_version) || p->init() != WFNODE_OK) {
        fprintf(stderr, "cannot use %s (ABI %u.%u)\n", path, p->abi_version.major, p->abi_version.minor);
        return 1;
    }
    printf("host built for ABI %d.%d; plugin %s %s, ABI %u.%u\n", WFNODE_VERSION_MAJOR, WFNODE_VERSION_MINOR, p->id,
           p->version, p->abi_version.major, p->abi_version.minor);
    for (i = 0; i < p->node_count(); ++i) printf("node %s\t%s\n", p->node_get(i)->type, p->node_get(i)->display_name);

    s1 = run(p, "threecx.downloadChatHistory", "{\"clientTimeZone\": \"Europe/Berlin\", \"options\": {\"top\": 2}}", credentials);
    downloaded = items_seen;
    s2 = run(p, "threecx.purgeChats", "{\"period\": {\"Stop\": \"2000-01-01T00:00:00Z\"}, \"options\": {\"dryRun\": true}}",
             credentials);
    p->deinit();
    dlclose(lib);
    printf("download: %u items, purge dry run: %u item\n", downloaded, items_seen - downloaded);
    return s1 == WFNODE_OK && s2 == WFNODE_OK && errors_seen == 0 && downloaded == 2 && items_seen == 3 ? 0 : 1;
}
