// wfnode::Plugin: loads a wfnode plugin for a C++ host. RAII over dlopen/dlsym/dlclose,
// the ABI version check before anything else, init/deinit, and execute() with C++
// callbacks. Errors while loading are wfnode::LoadError with a kind and a clear message.
#pragma once

#include <wfnode/export.hpp>
#include <wfnode/wfnode.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wfnode {

class WFNODE_LOADER_API LoadError : public std::runtime_error {
public:
    enum class Kind {
        file_not_found,        // nothing at that path
        not_loadable,          // dlopen refused it (not a shared object, missing dependency)
        not_a_plugin,          // a shared object without the wfnode_entry symbol, or a NULL descriptor
        incompatible_version,  // a wfnode plugin of another ABI major version
        init_failed,           // the plugin's init() returned an error
    };
    LoadError(Kind kind, const std::string &message) : std::runtime_error(message), kind(kind) {}
    Kind kind;
};

// One error reported by execute(), copied out of the plugin's borrowed struct.
struct Error {
    wfnode_status status = WFNODE_OK;
    uint32_t item_index = WFNODE_NO_ITEM;
    int32_t http_status = 0;
    std::string field;
    std::string message;
    std::string api_code;
};

// One execution's input, in C++ terms.
struct ExecuteCall {
    std::string node_type;
    std::string parameters = "{}";   // shared parameters (JSON object)
    std::string credentials = "null";
    std::vector<std::string> items;  // JSON objects
    // Per-item parameters after expression evaluation; empty, or one per item (nullopt: shared).
    std::vector<std::optional<std::string>> item_parameters;
    bool continue_on_fail = false;
};

// What the host does with what execute() produces. Every callback runs on the calling
// thread, during execute().
struct ExecuteCallbacks {
    // Return false to stop the execution.
    std::function<bool(uint32_t paired_item, std::string_view json)> on_item;
    std::function<void(const Error &)> on_error;
    std::function<void(int32_t level, std::string_view message)> on_log;
    std::function<void(const wfnode_progress &)> on_progress;
    std::function<bool()> is_cancelled;
    // Host extensions offered to the plugin (ABI 1.1), by id: a vtable that outlives the
    // execution, such as a wfnode_token_store; nullptr for ids the host does not offer.
    std::function<const void *(std::string_view id)> get_extension;
};

// The state of the node step being executed, kept by the host across runs (the
// "wfnode.state/1" host extension, ABI 1.4), in C++ terms. Passed to the execute() overloads
// that take one; the loader lends the plugin the C vtable over it. Both run on the calling
// thread, during execute().
struct NodeState {
    // The state committed by the step's last successful run (a JSON object), or nullopt.
    std::function<std::optional<std::string>()> load;
    // The new state the execution proposes; the host commits it only once the run succeeded.
    // Return false when it cannot be kept: the plugin then fails the execution.
    std::function<bool(std::string_view json)> stage;
};

// A request for the choices of one field (the "wfnode.options/1" extension, ABI 1.2).
struct OptionsCall {
    std::string node_type;
    std::string field;                 // dotted path of a field whose schema has "x-options-source"
    std::string parameters = "{}";     // the node's parameters so far (JSON object)
    std::string credentials = "null";  // as for execute()
};

class WFNODE_LOADER_API Plugin {
public:
    // Loads, checks the ABI version, and calls init(). Throws LoadError.
    explicit Plugin(const std::string &path);
    ~Plugin();
    Plugin(Plugin &&other) noexcept;
    Plugin &operator=(Plugin &&) = delete;
    Plugin(const Plugin &) = delete;
    Plugin &operator=(const Plugin &) = delete;

    const wfnode_plugin &api() const { return *api_; }
    const std::string &path() const { return path_; }

    std::vector<const wfnode_node_def *> nodes() const;
    const wfnode_node_def *find_node(std::string_view type) const;
    std::vector<const wfnode_credential_def *> credentials() const;
    const wfnode_credential_def *find_credential(std::string_view name) const;

    // Runs one node; returns the plugin's status. Safe to call from several threads at once.
    wfnode_status execute(const ExecuteCall &call, const ExecuteCallbacks &callbacks) const;

    // Runs one node so that it changes nothing on the remote service (the "wfnode.dry-run/1"
    // extension, ABI 1.3): the plugin sends only reads, whatever the parameters say. nullopt
    // when the plugin does not offer it (built before 1.3): such a plugin must not be run at
    // all when a dry run is asked for, since its execute() would send what its parameters say.
    std::optional<wfnode_status> execute_dry_run(const ExecuteCall &call, const ExecuteCallbacks &callbacks) const;
    bool offers_dry_run() const;

    // The same two, offering the plugin the node step's state ("wfnode.state/1", ABI 1.4).
    // Separate entries rather than members of ExecuteCallbacks, so that structs a host built
    // against an older loader keep their size.
    wfnode_status execute(const ExecuteCall &call, const ExecuteCallbacks &callbacks, const NodeState &state) const;
    std::optional<wfnode_status> execute_dry_run(const ExecuteCall &call, const ExecuteCallbacks &callbacks,
                                                 const NodeState &state) const;

    // Checks `call` as execute() would without running it (the "wfnode.validate/1"
    // extension): problems reach callbacks.on_error. nullopt when the plugin does not offer it.
    std::optional<wfnode_status> validate(const ExecuteCall &call, const ExecuteCallbacks &callbacks) const;

    // True when the plugin offers dynamic choices ("wfnode.options/1"; plugins of ABI 1.2 on).
    bool offers_options() const;
    // Asks for the choices of call.field: each reaches callbacks.on_item as a JSON object
    // {"name", "value", "description"?}, problems callbacks.on_error. nullopt when the plugin
    // does not offer them (a plugin built before ABI 1.2).
    std::optional<wfnode_status> load_options(const OptionsCall &call, const ExecuteCallbacks &callbacks) const;

private:
    // Marshals `call` and `callbacks` into the ABI's structs for `fn` (execute or validate).
    wfnode_status call_plugin(const ExecuteCall &call, const ExecuteCallbacks &callbacks,
                              wfnode_status(WFNODE_ABI *fn)(const wfnode_execute_request *, const wfnode_host *)) const;

    std::string path_;
    void *library_ = nullptr;
    const wfnode_plugin *api_ = nullptr;
};

// A short name of a status code ("invalid input", "api error"...).
WFNODE_LOADER_API const char *status_name(wfnode_status status);

// The ABI this loader was built for ("1.4.0"): the newest minor it can use; it loads any 1.x.
WFNODE_LOADER_API const char *loader_abi_version();

}  // namespace wfnode
