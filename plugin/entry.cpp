// The plugin descriptor and its C trampolines: the only symbol that leaves the .so is
// wfnode_entry. Every trampoline catches everything; no exception crosses the ABI.
#include "executor.hpp"
#include "options.hpp"
#include "registry.hpp"

#include <wfnode/dry_run.h>
#include <wfnode/entry.h>
#include <wfnode/options.h>
#include <wfnode/validate.h>

#include <cstddef>
#include <cstring>

namespace {

// The plugin keeps no state between init() and deinit() (its catalog is static), so any
// number of pairs, from any number of hosts in one process, need no counting.
wfnode_status WFNODE_ABI plugin_init(void) { return WFNODE_OK; }

void WFNODE_ABI plugin_deinit(void) {}

uint32_t WFNODE_ABI node_count(void) {
    try {
        return static_cast<uint32_t>(wfplugin::all_nodes().size());
    } catch (...) {
        return 0;
    }
}

const wfnode_node_def *WFNODE_ABI node_get(uint32_t index) {
    try {
        auto nodes = wfplugin::all_nodes();
        return index < nodes.size() ? &nodes[index]->definition() : nullptr;
    } catch (...) {
        return nullptr;
    }
}

uint32_t WFNODE_ABI credential_count(void) {
    try {
        return static_cast<uint32_t>(wfplugin::all_credentials().size());
    } catch (...) {
        return 0;
    }
}

const wfnode_credential_def *WFNODE_ABI credential_get(uint32_t index) {
    try {
        auto all = wfplugin::all_credentials();
        return index < all.size() ? &all[index]->definition() : nullptr;
    } catch (...) {
        return nullptr;
    }
}

bool host_is_usable(const wfnode_host *host) {
    return host && host->struct_size >= offsetof(wfnode_host, emit_error) + sizeof(host->emit_error) &&
           host->emit_item && host->emit_error;
}

// Tells the host of one failure that belongs to no item; returns its status.
wfnode_status report(const wfnode_host *host, wfnode_status status, const char *message) {
    wfnode_error e{sizeof(wfnode_error), status, WFNODE_NO_ITEM, 0, nullptr, message, nullptr};
    host->emit_error(host, &e);
    return status;
}

// What every call with a request makes before trusting it (a usable host, a request large
// enough for what is read of it), and the catch-all that keeps anything from crossing the ABI.
template <typename Request>
wfnode_status call_checked(const Request *request, bool well_formed, const char *malformed, const wfnode_host *host,
                           wfnode_status (*fn)(const Request &, const wfnode_host &)) {
    if (!host_is_usable(host)) return WFNODE_ERR_BAD_REQUEST;  // nowhere to report anything
    try {
        if (!request || !well_formed) return report(host, WFNODE_ERR_BAD_REQUEST, malformed);
        return fn(*request, *host);
    } catch (...) {
        // The callees already catch std::exception; this is for anything else.
        try {
            return report(host, WFNODE_ERR_INTERNAL, "internal error of unknown kind");
        } catch (...) {
            return WFNODE_ERR_INTERNAL;
        }
    }
}

bool well_formed(const wfnode_execute_request *r) {
    return r && r->struct_size >= offsetof(wfnode_execute_request, item_count) + sizeof(uint32_t) &&
           (r->item_count == 0 || r->items);
}

wfnode_status WFNODE_ABI execute(const wfnode_execute_request *request, const wfnode_host *host) {
    return call_checked(request, well_formed(request), "malformed wfnode_execute_request (NULL, too small, or items missing)",
                        host, wfplugin::execute_request);
}

wfnode_status WFNODE_ABI validate(const wfnode_execute_request *request, const wfnode_host *host) {
    return call_checked(request, well_formed(request), "malformed wfnode_execute_request (NULL, too small, or items missing)",
                        host, wfplugin::validate_request);
}

const wfnode_validate_ext validate_extension = {sizeof(wfnode_validate_ext), validate};

wfnode_status WFNODE_ABI execute_dry_run(const wfnode_execute_request *request, const wfnode_host *host) {
    return call_checked(request, well_formed(request), "malformed wfnode_execute_request (NULL, too small, or items missing)",
                        host, wfplugin::execute_dry_run_request);
}

const wfnode_dry_run_ext dry_run_extension = {sizeof(wfnode_dry_run_ext), execute_dry_run};

wfnode_status WFNODE_ABI load_options(const wfnode_options_request *request, const wfnode_host *host) {
    const bool ok = request && request->struct_size >= offsetof(wfnode_options_request, credentials_json) + sizeof(const char *);
    return call_checked(request, ok, "malformed wfnode_options_request (NULL or too small)", host,
                        wfplugin::load_options_request);
}

const wfnode_options_ext options_extension = {sizeof(wfnode_options_ext), load_options};

const void *WFNODE_ABI get_extension(const char *id) {
    if (!id) return nullptr;
    if (std::strcmp(id, WFNODE_EXT_VALIDATE) == 0) return &validate_extension;
    if (std::strcmp(id, WFNODE_EXT_OPTIONS) == 0) return &options_extension;
    if (std::strcmp(id, WFNODE_EXT_DRY_RUN) == 0) return &dry_run_extension;
    return nullptr;
}

// Built on the first call of wfnode_entry from the module's catalog; the strings it points
// at are the catalog's, which live as long as the module.
wfnode_plugin make_descriptor() {
    const wfplugin::Catalog &catalog = wfplugin::plugin_catalog();
    return wfnode_plugin{
        WFNODE_VERSION_INIT,
        sizeof(wfnode_plugin),
        catalog.id,
        catalog.name,
        catalog.version,
        plugin_init,
        plugin_deinit,
        node_count,
        node_get,
        credential_count,
        credential_get,
        execute,
        get_extension,
    };
}

}  // namespace

WFNODE_EXPORT const wfnode_plugin *WFNODE_ABI wfnode_entry(void) {
    try {
        static const wfnode_plugin descriptor = make_descriptor();
        return &descriptor;
    } catch (...) {
        return nullptr;  // a host reports a NULL descriptor as "not a plugin"
    }
}
