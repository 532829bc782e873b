#include "node_runner.hpp"

#include "io.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <csignal>

namespace nodehost {

std::atomic<bool> interrupted{false};

void install_interrupt_handler() {
    std::signal(SIGINT, [](int) { interrupted.store(true); });
}

wfnode_status run_node(const wfnode::Plugin &plugin, const NodeRun &run, wfnode::ExecuteCallbacks callbacks) {
    wfnode::ExecuteCall call;
    call.node_type = run.node_type;
    call.credentials = run.credentials_json;
    call.continue_on_fail = run.continue_on_fail;
    call.items = run.items;
    call.parameters = run.parameters ? to_json(*run.parameters) : "{}";

    // Expressions make parameters per item; items whose expressions fail are reported and left out.
    if (run.parameters && has_expressions(*run.parameters)) {
        std::vector<size_t> kept;  // caller's index of each item passed on
        call.items.clear();
        for (size_t i = 0; i < run.items.size(); ++i) {
            try {
                rapidjson::Document item;
                item.Parse(run.items[i].c_str(), run.items[i].size());
                ExpressionContext ctx{&item, run.now};
                call.item_parameters.emplace_back(to_json(evaluate(*run.parameters, ctx, "parameters")));
                call.items.push_back(run.items[i]);
                kept.push_back(i);
            } catch (const ExpressionError &e) {
                wfnode::Error err;
                err.status = WFNODE_ERR_INVALID_INPUT;
                err.item_index = static_cast<uint32_t>(i);
                err.message = e.what();
                if (callbacks.on_error) callbacks.on_error(err);
                if (!run.continue_on_fail) return WFNODE_ERR_INVALID_INPUT;
            }
        }
        if (call.items.empty()) return WFNODE_OK;
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
    return plugin.execute(call, callbacks);
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

std::string error_item_json(const wfnode::Error &e) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("error");
    w.String(e.message.c_str());
    w.Key("errorKind");
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
    if (e.item_index != WFNODE_NO_ITEM) {
        w.Key("pairedItem");
        w.Uint(e.item_index);
    }
    w.EndObject();
    return b.GetString();
}

}  // namespace nodehost
