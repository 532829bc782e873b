// Runs one plugin node over a batch of items for nodehost's exec and run commands:
// evaluates {{ }} expressions per item, then calls the plugin through the loader.
#pragma once

#include "expressions.hpp"
#include "token_store_config.hpp"
#include <wfnode/loader.hpp>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <functional>
#include <stdexcept>
#include <optional>
#include <string>
#include <vector>

namespace nodehost {

struct NodeRun {
    std::string node_type;
    const rapidjson::Value *parameters = nullptr;  // may hold expressions
    std::string credentials_json = "null";
    std::vector<std::string> items;                 // JSON objects
    // Parameters an editor already evaluated, one per item (nullopt: `parameters`); empty when
    // none. Not mixed with expressions in `parameters`.
    std::vector<std::optional<std::string>> item_parameters;
    bool continue_on_fail = false;
    // Changes nothing on the remote service: run through the plugin's "wfnode.dry-run/1",
    // whatever the parameters say; a plugin without it is not run (an error says so).
    bool dry_run = false;
    // The step's state across runs ("wfnode.state/1"), offered when not null.
    const wfnode::NodeState *state = nullptr;
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    // The shared token store lent to the plugin ("wfnode.token-store/1"), when not null.
    const TokenStoreConfig *token_store = nullptr;
    // Sees each item's parameters once evaluated, before they are sent; may add to them, or
    // refuse the whole execution by throwing HostRefusal (nodehost's archive guard).
    std::function<void(rapidjson::Document &parameters)> guard;
};

// The host refuses to run the step at all (not an item's error: continue-on-fail does not
// pass over it).
struct HostRefusal : std::logic_error {
    using std::logic_error::logic_error;
};

// Set by the SIGINT and SIGTERM handler; every execution and host step polls it.
extern std::atomic<bool> interrupted;
void install_interrupt_handler();

// Evaluates expressions (an ExpressionError names the item and the parameter; it becomes an
// invalid-input error of that item) and executes. Returns the plugin's status.
wfnode_status run_node(const wfnode::Plugin &plugin, const NodeRun &run, wfnode::ExecuteCallbacks callbacks);

// The choices of one field (plugin.load_options), with the shared token store lent when
// `token_store` is not null; nullopt when the plugin offers no options.
std::optional<wfnode_status> load_options(const wfnode::Plugin &plugin, const wfnode::OptionsCall &call,
                                          const TokenStoreConfig *token_store, wfnode::ExecuteCallbacks callbacks);

// The same checks without running anything, through the plugin's "wfnode.validate/1"
// extension; nullopt when the plugin does not offer it.
std::optional<wfnode_status> validate_node(const wfnode::Plugin &plugin, const NodeRun &run,
                                           wfnode::ExecuteCallbacks callbacks);

// Why `plugin` cannot run in a dry run (it offers no "wfnode.dry-run/1"), for messages.
std::string cannot_dry_run(const wfnode::Plugin &plugin);

// "item 2, options.top (HTTP 400 XapiInvalid): message" for stderr.
std::string describe_error(const wfnode::Error &e);

// The error item that continue-on-fail puts in the output stream (n8n's shape plus details).
std::string error_item_json(const wfnode::Error &e);

// An error as JSON members: its message and kind under the names given, then the field, the
// HTTP status and the API code when the plugin said them. For every JSON shape of an error.
void write_error_members(rapidjson::Writer<rapidjson::StringBuffer> &w, const wfnode::Error &e, const char *message_key,
                         const char *kind_key);

}  // namespace nodehost
