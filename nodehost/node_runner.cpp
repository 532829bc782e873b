#include "node_runner.hpp"

#include "io.hpp"
#include "redis_token_store.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fmt/format.h>

#include <csignal>
#include <optional>
#include <variant>

namespace nodehost {
namespace {

// A parameter the node's schema marks "x-json-string" (a JSON object that may also arrive as
// a string holding one, such as Purge Chats' period) is parsed before expressions are
// evaluated, so an expression fills in a value inside it and item data can never be spliced
// into JSON text: it cannot add a key or end a string.
rapidjson::Document with_json_strings_parsed(const wfnode::Plugin &plugin, const std::string &type,
                                             const rapidjson::Value &parameters) {
    rapidjson::Document out;
    out.CopyFrom(parameters, out.GetAllocator());
    const wfnode_node_def *def = plugin.find_node(type);
    if (!def || !def->schema_json || !out.IsObject()) return out;
    rapidjson::Document schema;
    schema.Parse(def->schema_json);
    if (schema.HasParseError() || !schema.IsObject() || !schema.HasMember("properties")) return out;
    for (auto &m : out.GetObject()) {
        auto prop = schema["properties"].FindMember(m.name);
        bool json_string = prop != schema["properties"].MemberEnd() && prop->value.IsObject() &&
                           prop->value.HasMember("x-json-string") && prop->value["x-json-string"].IsTrue();
        if (!json_string || !m.value.IsString() || !has_expressions(m.value)) continue;
        if (is_one_expression({m.value.GetString(), m.value.GetStringLength()})) continue;  // yields the whole value
        const std::string field = std::string("parameters.") + m.name.GetString();
        rapidjson::Document parsed;
        try {
            parsed = parse_json(m.value.GetString(), field);
        } catch (const UsageError &e) {
            throw ExpressionError(e.what());
        }
        m.value.CopyFrom(parsed, out.GetAllocator());
    }
    return out;
}

}  // namespace

std::atomic<bool> interrupted{false};

void install_interrupt_handler() {
    // SIGINT and SIGTERM only raise the flag: the running execution is cancelled, files being
    // written are dropped, spool files removed, and the run ends with a non-zero status.
    for (int sig : {SIGINT, SIGTERM}) std::signal(sig, [](int) { interrupted.store(true); });
}

namespace {

// The call for `run`: expressions evaluated per item (items whose expressions fail are
// reported through `callbacks` and left out; the callbacks then map the plugin's item indexes
// back). A status when nothing is left to call the plugin with.
std::variant<wfnode::ExecuteCall, wfnode_status> prepare_call(const wfnode::Plugin &plugin, const NodeRun &run,
                                                              wfnode::ExecuteCallbacks &callbacks) {
    wfnode::ExecuteCall call;
    call.node_type = run.node_type;
    call.credentials = run.credentials_json;
    call.continue_on_fail = run.continue_on_fail;
    call.items = run.items;
    call.parameters = run.parameters ? to_json(*run.parameters) : "{}";
    call.item_parameters = run.item_parameters;

    // Expressions make parameters per item; items whose expressions fail are reported and left out.
    if (run.parameters && (has_expressions(*run.parameters) || run.guard)) {
        std::vector<size_t> kept;  // caller's index of each item passed on
        call.items.clear();
        std::optional<rapidjson::Document> parameters;
        for (size_t i = 0; i < run.items.size(); ++i) {
            try {
                if (!parameters) parameters = with_json_strings_parsed(plugin, run.node_type, *run.parameters);
                rapidjson::Document item = parse_json(run.items[i], "item " + std::to_string(i));
                ExpressionContext ctx{&item, run.now};
                rapidjson::Document evaluated = evaluate(*parameters, ctx, "parameters");
                if (run.guard) run.guard(evaluated);
                call.item_parameters.emplace_back(to_json(evaluated));
                call.items.push_back(run.items[i]);
                kept.push_back(i);
            } catch (const std::runtime_error &e) {  // ExpressionError, or UsageError for the item's JSON
                wfnode::Error err;
                err.status = WFNODE_ERR_INVALID_INPUT;
                err.item_index = static_cast<uint32_t>(i);
                err.message = e.what();
                if (callbacks.on_error) callbacks.on_error(err);
                if (!run.continue_on_fail) return wfnode_status{WFNODE_ERR_INVALID_INPUT};
            }
        }
        if (call.items.empty()) return wfnode_status{WFNODE_OK};
        // Map the plugin's item indexes back to the caller's.
        if (kept.size() != run.items.size()) {
            auto remap = [kept](uint32_t i) { return i < kept.size() ? static_cast<uint32_t>(kept[i]) : i; };
            auto on_item = callbacks.on_item;
            auto on_error = callbacks.on_error;
            callbacks.on_item = [on_item, remap](uint32_t i, std::string_view j) { return !on_item || on_item(remap(i), j); };
            callbacks.on_error = [on_error, remap](const wfnode::Error &e) {
                wfnode::Error copy = e;
                copy.item_index = remap(e.item_index);
                if (on_error) on_error(copy);
            };
        }
    }
    auto user_cancel = callbacks.is_cancelled;
    callbacks.is_cancelled = [user_cancel] { return interrupted.load() || (user_cancel && user_cancel()); };
    return call;
}

}  // namespace

std::string cannot_dry_run(const wfnode::Plugin &plugin) {
    const auto &v = plugin.api().abi_version;
    return fmt::format("the plugin {} (ABI {}.{}) cannot promise a dry run (it offers no " WFNODE_EXT_DRY_RUN
                       "), so it is not run in one",
                       plugin.path(), v.major, v.minor);
}

wfnode_status run_node(const wfnode::Plugin &plugin, const NodeRun &run, wfnode::ExecuteCallbacks callbacks) {
    if (run.dry_run && !plugin.offers_dry_run()) {  // checked before any expression runs
        wfnode::Error e;
        e.status = WFNODE_ERR_DRY_RUN;
        e.message = cannot_dry_run(plugin);
        if (callbacks.on_error) callbacks.on_error(e);
        return e.status;
    }
    std::optional<TokenStoreSession> store;
    if (run.token_store) store.emplace(*run.token_store, callbacks);
    auto call = prepare_call(plugin, run, callbacks);
    if (auto *status = std::get_if<wfnode_status>(&call)) return *status;
    const auto &c = std::get<wfnode::ExecuteCall>(call);
    wfnode_status status;
    if (run.state)
        status = run.dry_run ? plugin.execute_dry_run(c, callbacks, *run.state).value_or(WFNODE_ERR_DRY_RUN)
                             : plugin.execute(c, callbacks, *run.state);
    else status = run.dry_run ? plugin.execute_dry_run(c, callbacks).value_or(WFNODE_ERR_DRY_RUN) : plugin.execute(c, callbacks);
    return store ? store->finish(status) : status;
}

std::optional<wfnode_status> load_options(const wfnode::Plugin &plugin, const wfnode::OptionsCall &call,
                                          const TokenStoreConfig *token_store, wfnode::ExecuteCallbacks callbacks) {
    std::optional<TokenStoreSession> store;
    if (token_store) store.emplace(*token_store, callbacks);
    auto status = plugin.load_options(call, callbacks);
    if (status && store) return store->finish(*status);
    return status;
}

std::optional<wfnode_status> validate_node(const wfnode::Plugin &plugin, const NodeRun &run,
                                           wfnode::ExecuteCallbacks callbacks) {
    auto call = prepare_call(plugin, run, callbacks);
    if (auto *status = std::get_if<wfnode_status>(&call)) return *status;
    return plugin.validate(std::get<wfnode::ExecuteCall>(call), callbacks);
}



std::string describe_error(const wfnode::Error &e) {
    std::string out = (e.item_index == WFNODE_NO_ITEM ? "" : "item " + std::to_string(e.item_index) + ": ") + e.message;
    std::string extra;
    if (!e.field.empty()) extra += "field " + e.field;
    if (e.http_status) extra += (extra.empty() ? "" : ", ") + std::string("HTTP ") + std::to_string(e.http_status);
    if (!e.api_code.empty()) extra += (extra.empty() ? "" : ", ") + e.api_code;
    out += " [" + std::string(wfnode::status_name(e.status)) + (extra.empty() ? "" : "; " + extra) + "]";
    return out;
}

void write_error_members(rapidjson::Writer<rapidjson::StringBuffer> &w, const wfnode::Error &e, const char *message_key,
                         const char *kind_key) {
    w.Key(message_key);
    w.String(e.message.c_str());
    w.Key(kind_key);
    w.String(wfnode::status_name(e.status));
    if (!e.field.empty()) {
        w.Key("field");
        w.String(e.field.c_str());
    }
    if (e.http_status) {
        w.Key("httpStatus");
        w.Int(e.http_status);
    }
    if (!e.api_code.empty()) {
        w.Key("apiCode");
        w.String(e.api_code.c_str());
    }
}

std::string error_item_json(const wfnode::Error &e) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    write_error_members(w, e, "error", "errorKind");
    if (e.item_index != WFNODE_NO_ITEM) {
        w.Key("pairedItem");
        w.Uint(e.item_index);
    }
    w.EndObject();
    return b.GetString();
}

}  // namespace nodehost
