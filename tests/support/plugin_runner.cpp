#include "plugin_runner.hpp"

#include "emulator_process.hpp"

namespace testsupport {

const wfnode::Plugin &plugin() {
    static wfnode::Plugin p(PLUGIN_PATH);
    return p;
}

Execution execute(const std::string &type, const std::string &params, const std::string &credentials,
                  std::vector<std::string> items, bool continue_on_fail, std::function<void(const Output &)> on_item) {
    return execute_on(plugin(), type, params, credentials, std::move(items), continue_on_fail, std::move(on_item));
}

Execution execute_on(const wfnode::Plugin &plugin, const std::string &type, const std::string &params,
                     const std::string &credentials, std::vector<std::string> items, bool continue_on_fail,
                     std::function<void(const Output &)> on_item) {
    Execution e;
    wfnode::ExecuteCall call;
    call.node_type = type;
    call.parameters = params;
    call.credentials = credentials;
    call.items = std::move(items);
    call.continue_on_fail = continue_on_fail;
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t paired, std::string_view json) {
        e.items.push_back({paired, std::string(json)});
        if (on_item) on_item(e.items.back());
        return true;
    };
    cb.on_error = [&](const wfnode::Error &err) { e.errors.push_back(err); };
    cb.on_log = [&](int32_t, std::string_view m) { e.logs.emplace_back(m); };
    cb.on_progress = [&](const wfnode_progress &p) { e.last_requests = p.requests; };
    e.status = plugin.execute(call, cb);
    return e;
}

std::vector<rapidjson::Document> records(const Execution &e) {
    std::vector<rapidjson::Document> out;
    for (const auto &item : e.items) {
        auto d = parse(item.json);
        if (!d.HasMember("@odata.count")) out.push_back(std::move(d));
    }
    return out;
}

}  // namespace testsupport
