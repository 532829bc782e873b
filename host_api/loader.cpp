#include <wfnode/loader.hpp>

#include <dlfcn.h>

#include <cstddef>
#include <cstring>

#include <filesystem>

namespace wfnode {
namespace {

// What one call lends the plugin; the C host struct's `host_data` points at it.
struct Lent {
    const ExecuteCallbacks &callbacks;
    const NodeState *state;  // offered as "wfnode.state/1" when not null
};

const Lent &lent_of(const wfnode_host *host) { return *static_cast<const Lent *>(host->host_data); }
const ExecuteCallbacks &callbacks_of(const wfnode_host *host) { return lent_of(host).callbacks; }

wfnode_status WFNODE_ABI host_emit_item(const wfnode_host *host, uint32_t paired, const char *json, size_t len) {
    try {
        const auto &cb = callbacks_of(host);
        return (!cb.on_item || cb.on_item(paired, std::string_view(json, len))) ? WFNODE_OK : WFNODE_ERR_ABORTED_BY_HOST;
    } catch (...) {
        return WFNODE_ERR_ABORTED_BY_HOST;  // a host exception must not unwind through the plugin
    }
}

void WFNODE_ABI host_emit_error(const wfnode_host *host, const wfnode_error *e) {
    try {
        const auto &cb = callbacks_of(host);
        if (!cb.on_error) return;
        Error copy;
        copy.status = e->status;
        copy.item_index = e->item_index;
        copy.http_status = e->http_status;
        copy.field = e->field ? e->field : "";
        copy.message = e->message ? e->message : "";
        copy.api_code = e->api_code ? e->api_code : "";
        cb.on_error(copy);
    } catch (...) {
    }
}

void WFNODE_ABI host_log(const wfnode_host *host, int32_t level, const char *message) {
    try {
        if (const auto &cb = callbacks_of(host); cb.on_log) cb.on_log(level, message ? message : "");
    } catch (...) {
    }
}

void WFNODE_ABI host_progress(const wfnode_host *host, const wfnode_progress *p) {
    try {
        if (const auto &cb = callbacks_of(host); cb.on_progress) cb.on_progress(*p);
    } catch (...) {
    }
}

size_t WFNODE_ABI state_get(const wfnode_host *host, char *buf, size_t cap) {
    try {
        const NodeState *state = lent_of(host).state;
        std::optional<std::string> json = state && state->load ? state->load() : std::nullopt;
        if (!json || json->empty()) return 0;
        if (json->size() < cap) std::memcpy(buf, json->c_str(), json->size() + 1);
        return json->size();
    } catch (...) {
        return 0;  // the plugin finds no state: a node that needs one refuses (never this silently succeeding)
    }
}

wfnode_status WFNODE_ABI state_stage(const wfnode_host *host, const char *json) {
    try {
        const NodeState *state = lent_of(host).state;
        return json && state && state->stage && state->stage(json) ? WFNODE_OK : WFNODE_ERR_ABORTED_BY_HOST;
    } catch (...) {
        return WFNODE_ERR_ABORTED_BY_HOST;
    }
}

const wfnode_state state_extension = {sizeof(wfnode_state), state_get, state_stage};

const void *WFNODE_ABI host_get_extension(const wfnode_host *host, const char *id) {
    try {
        if (id && lent_of(host).state && std::string_view(id) == WFNODE_EXT_STATE) return &state_extension;
        const auto &cb = callbacks_of(host);
        return cb.get_extension && id ? cb.get_extension(id) : nullptr;
    } catch (...) {
        return nullptr;
    }
}

int32_t WFNODE_ABI host_is_cancelled(const wfnode_host *host) {
    try {
        const auto &cb = callbacks_of(host);
        return cb.is_cancelled && cb.is_cancelled() ? 1 : 0;
    } catch (...) {
        return 1;
    }
}

// The C host struct over what `lent` holds, borrowed for one call.
wfnode_host host_for(const Lent &lent) {
    wfnode_host host{};
    host.struct_size = sizeof(host);
    host.host_data = const_cast<Lent *>(&lent);
    host.emit_item = host_emit_item;
    host.emit_error = host_emit_error;
    host.log = host_log;
    host.progress = host_progress;
    host.is_cancelled = host_is_cancelled;
    host.get_extension = host_get_extension;
    return host;
}

// Marshals `call` and `callbacks` (and `state`, offered as "wfnode.state/1" when not null)
// into the ABI's structs for `fn`.
wfnode_status call_with(const ExecuteCall &call, const ExecuteCallbacks &callbacks,
                        wfnode_status(WFNODE_ABI *fn)(const wfnode_execute_request *, const wfnode_host *),
                        const NodeState *state) {
    std::vector<wfnode_item> items(call.items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        items[i].json = call.items[i].c_str();
        items[i].parameters_json = i < call.item_parameters.size() && call.item_parameters[i]
                                       ? call.item_parameters[i]->c_str()
                                       : nullptr;
    }
    wfnode_execute_request req{};
    req.struct_size = sizeof(req);
    req.flags = call.continue_on_fail ? WFNODE_EXEC_CONTINUE_ON_FAIL : 0;
    req.node_type = call.node_type.c_str();
    req.parameters_json = call.parameters.c_str();
    req.credentials_json = call.credentials.c_str();
    req.items = items.data();
    req.item_count = static_cast<uint32_t>(items.size());

    const Lent lent{callbacks, state};
    wfnode_host host = host_for(lent);
    return fn(&req, &host);
}


}  // namespace

Plugin::Plugin(const std::string &path) : path_(path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw LoadError(LoadError::Kind::file_not_found, "plugin not found: " + path);
    // dlopen searches the library path for a bare name; a path with a slash is taken as is.
    std::string open_path = path.find('/') == std::string::npos ? "./" + path : path;
    library_ = dlopen(open_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!library_) {
        const char *why = dlerror();
        throw LoadError(LoadError::Kind::not_loadable,
                        "cannot load " + path + " as a shared library: " + (why ? why : "unknown reason"));
    }
    auto entry = reinterpret_cast<wfnode_entry_fn>(dlsym(library_, WFNODE_ENTRY_SYMBOL));
    api_ = entry ? entry() : nullptr;
    if (!api_) {
        dlclose(library_);
        throw LoadError(LoadError::Kind::not_a_plugin,
                        path + " is not a wfnode plugin: it has no " WFNODE_ENTRY_SYMBOL " entry point");
    }
    if (!WFNODE_VERSION_IS_COMPATIBLE(api_->abi_version)) {
        std::string msg = path + " was built for wfnode ABI " + std::to_string(api_->abi_version.major) + "." +
                          std::to_string(api_->abi_version.minor) + "; this host supports ABI " +
                          std::to_string(WFNODE_VERSION_MAJOR) + ".x";
        dlclose(library_);
        throw LoadError(LoadError::Kind::incompatible_version, msg);
    }
    if (api_->struct_size < offsetof(wfnode_plugin, get_extension) + sizeof(api_->get_extension) ||
        api_->init() != WFNODE_OK) {
        dlclose(library_);
        throw LoadError(LoadError::Kind::init_failed, path + ": the plugin's descriptor is incomplete or init() failed");
    }
}

Plugin::Plugin(Plugin &&other) noexcept
    : path_(std::move(other.path_)), library_(other.library_), api_(other.api_) {
    other.library_ = nullptr;
    other.api_ = nullptr;
}

Plugin::~Plugin() {
    if (!library_) return;
    api_->deinit();
    dlclose(library_);
}

std::vector<const wfnode_node_def *> Plugin::nodes() const {
    std::vector<const wfnode_node_def *> out;
    for (uint32_t i = 0, n = api_->node_count(); i < n; ++i)
        if (auto *d = api_->node_get(i)) out.push_back(d);
    return out;
}

const wfnode_node_def *Plugin::find_node(std::string_view type) const {
    for (auto *d : nodes())
        if (type == d->type) return d;
    return nullptr;
}

std::vector<const wfnode_credential_def *> Plugin::credentials() const {
    std::vector<const wfnode_credential_def *> out;
    for (uint32_t i = 0, n = api_->credential_count(); i < n; ++i)
        if (auto *d = api_->credential_get(i)) out.push_back(d);
    return out;
}

const wfnode_credential_def *Plugin::find_credential(std::string_view name) const {
    for (auto *d : credentials())
        if (name == d->name) return d;
    return nullptr;
}

wfnode_status Plugin::execute(const ExecuteCall &call, const ExecuteCallbacks &callbacks) const {
    return call_plugin(call, callbacks, api_->execute);
}

std::optional<wfnode_status> Plugin::validate(const ExecuteCall &call, const ExecuteCallbacks &callbacks) const {
    const auto *ext = api_->get_extension ? static_cast<const wfnode_validate_ext *>(api_->get_extension(WFNODE_EXT_VALIDATE))
                                          : nullptr;
    if (!ext || ext->struct_size < offsetof(wfnode_validate_ext, validate) + sizeof(ext->validate) || !ext->validate)
        return std::nullopt;
    return call_plugin(call, callbacks, ext->validate);
}

static const wfnode_dry_run_ext *dry_run_extension(const wfnode_plugin &api) {
    const auto *ext = api.get_extension ? static_cast<const wfnode_dry_run_ext *>(api.get_extension(WFNODE_EXT_DRY_RUN)) : nullptr;
    if (!ext || ext->struct_size < offsetof(wfnode_dry_run_ext, execute) + sizeof(ext->execute) || !ext->execute)
        return nullptr;
    return ext;
}

bool Plugin::offers_dry_run() const { return dry_run_extension(*api_) != nullptr; }

std::optional<wfnode_status> Plugin::execute_dry_run(const ExecuteCall &call, const ExecuteCallbacks &callbacks) const {
    const wfnode_dry_run_ext *ext = dry_run_extension(*api_);
    if (!ext) return std::nullopt;
    return call_plugin(call, callbacks, ext->execute);
}

static const wfnode_options_ext *options_extension(const wfnode_plugin &api) {
    const auto *ext = api.get_extension ? static_cast<const wfnode_options_ext *>(api.get_extension(WFNODE_EXT_OPTIONS)) : nullptr;
    if (!ext || ext->struct_size < offsetof(wfnode_options_ext, load_options) + sizeof(ext->load_options) || !ext->load_options)
        return nullptr;
    return ext;
}

bool Plugin::offers_options() const { return options_extension(*api_) != nullptr; }

std::optional<wfnode_status> Plugin::load_options(const OptionsCall &call, const ExecuteCallbacks &callbacks) const {
    const wfnode_options_ext *ext = options_extension(*api_);
    if (!ext) return std::nullopt;
    wfnode_options_request req{};
    req.struct_size = sizeof(req);
    req.node_type = call.node_type.c_str();
    req.field = call.field.c_str();
    req.parameters_json = call.parameters.c_str();
    req.credentials_json = call.credentials.c_str();
    const Lent lent{callbacks, nullptr};
    wfnode_host host = host_for(lent);
    return ext->load_options(&req, &host);
}

wfnode_status Plugin::execute(const ExecuteCall &call, const ExecuteCallbacks &callbacks, const NodeState &state) const {
    return call_with(call, callbacks, api_->execute, &state);
}

std::optional<wfnode_status> Plugin::execute_dry_run(const ExecuteCall &call, const ExecuteCallbacks &callbacks,
                                                     const NodeState &state) const {
    const wfnode_dry_run_ext *ext = dry_run_extension(*api_);
    if (!ext) return std::nullopt;
    return call_with(call, callbacks, ext->execute, &state);
}

wfnode_status Plugin::call_plugin(const ExecuteCall &call, const ExecuteCallbacks &callbacks,
                                  wfnode_status(WFNODE_ABI *fn)(const wfnode_execute_request *, const wfnode_host *)) const {
    return call_with(call, callbacks, fn, nullptr);
}

const char *loader_abi_version() {
#define WFNODE_STR2(x) #x
#define WFNODE_STR(x) WFNODE_STR2(x)
    return WFNODE_STR(WFNODE_VERSION_MAJOR) "." WFNODE_STR(WFNODE_VERSION_MINOR) "." WFNODE_STR(WFNODE_VERSION_PATCH);
#undef WFNODE_STR
#undef WFNODE_STR2
}

const char *status_name(wfnode_status status) {
    switch (status) {
        case WFNODE_OK: return "ok";
        case WFNODE_ERR_INVALID_INPUT: return "invalid input";
        case WFNODE_ERR_UNKNOWN_NODE: return "unknown node";
        case WFNODE_ERR_API: return "API error";
        case WFNODE_ERR_NETWORK: return "network error";
        case WFNODE_ERR_AUTH: return "authentication error";
        case WFNODE_ERR_CANCELLED: return "cancelled";
        case WFNODE_ERR_ABORTED_BY_HOST: return "stopped by the host";
        case WFNODE_ERR_INTERNAL: return "internal error";
        case WFNODE_ERR_BAD_REQUEST: return "bad request";
        case WFNODE_ERR_DRY_RUN: return "refused by the dry run";
        default: return "unknown status";
    }
}

}  // namespace wfnode
