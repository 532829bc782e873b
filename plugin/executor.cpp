#include "executor.hpp"

#include "registry.hpp"
#include "wfplugin/execution_context.hpp"
#include "wfplugin/json.hpp"
#include "wfplugin/node_error.hpp"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <vector>

namespace wfplugin {
namespace {

struct Outcome {
    bool stop;             // the execution ends here
    wfnode_status status;  // what it returns if so
};

// Reports `e` for `item`; decides whether the execution goes on.
Outcome report(ExecutionContext &ctx, const NodeError &e, uint32_t item, bool continue_on_fail) {
    ctx.emit_error(e, item);
    bool fatal = e.status == WFNODE_ERR_CANCELLED || e.status == WFNODE_ERR_ABORTED_BY_HOST;
    return {fatal || !continue_on_fail, e.status};
}

wfnode_status run(const wfnode_execute_request &req, ExecutionContext &ctx) {
    const bool continue_on_fail = (req.flags & WFNODE_EXEC_CONTINUE_ON_FAIL) != 0;
    const Node *node = req.node_type ? find_node(req.node_type) : nullptr;
    if (!node) {
        return report(ctx,
                      NodeError(WFNODE_ERR_UNKNOWN_NODE,
                                fmt::format("this plugin has no node of type \"{}\"", req.node_type ? req.node_type : "")),
                      WFNODE_NO_ITEM, false)
            .status;
    }

    // The node says which credential type it needs and how to open a session with it.
    SessionOpener open_session = [](ExecutionContext &) { return std::make_unique<Session>(); };
    if (const CredentialType *type = node->credential()) {
        try {
            auto doc = json::parse(req.credentials_json ? req.credentials_json : "null", "credentials");
            if (!doc.IsObject()) throw invalid("credentials", "credentials must be a JSON object");
            // Fields the schema marks writeOnly (secrets) are redacted from here on, so not
            // even a validation error can repeat one.
            if (const auto *props = json::find(type->schema(), "properties"))
                for (const auto &m : doc.GetObject())
                    if (const auto *p = json::find(*props, m.name.GetString());
                        p && json::find(*p, "writeOnly") && (*p)["writeOnly"].IsTrue() && m.value.IsString())
                        ctx.add_secret({m.value.GetString(), m.value.GetStringLength()});
            open_session = type->accept(doc);
        } catch (const NodeError &e) {
            return report(ctx, e, WFNODE_NO_ITEM, false).status;
        }
    }

    // Validate every item before sending anything. Without continue-on-fail the first invalid
    // item ends the execution here; with it, each item's error is reported at its turn, so
    // outputs and errors come in item order.
    std::optional<rapidjson::Document> shared;
    std::vector<ItemJob> jobs(req.item_count);
    std::vector<std::optional<NodeError>> invalid_items(req.item_count);
    for (uint32_t i = 0; i < req.item_count; ++i) {
        try {
            const wfnode_item &item = req.items[i];
            auto item_doc = json::parse(item.json ? item.json : "null", "item");
            if (!item_doc.IsObject()) throw invalid("item", "the input item must be a JSON object");
            if (item.parameters_json) {
                auto params = json::parse(item.parameters_json, "parameters");
                jobs[i] = node->prepare(params);
            } else {
                if (!shared) shared = json::parse(req.parameters_json ? req.parameters_json : "{}", "parameters");
                jobs[i] = node->prepare(*shared);
            }
        } catch (const NodeError &e) {
            if (!continue_on_fail) return report(ctx, e, i, false).status;
            invalid_items[i] = e;
        }
    }

    std::unique_ptr<Session> session;
    for (uint32_t i = 0; i < req.item_count; ++i) {
        try {
            if (invalid_items[i]) throw *invalid_items[i];
            ctx.check_cancelled();
            if (!session) session = open_session(ctx);
            jobs[i](*session, ctx, i);
            ctx.count_item_done();
        } catch (const NodeError &e) {
            if (auto o = report(ctx, e, i, continue_on_fail); o.stop) return o.status;
        }
    }
    return WFNODE_OK;
}

}  // namespace

wfnode_status execute_request(const wfnode_execute_request &request, const wfnode_host &host) {
    ExecutionContext ctx(host, request.item_count);
    try {
        return run(request, ctx);
    } catch (const NodeError &e) {
        return report(ctx, e, WFNODE_NO_ITEM, false).status;
    } catch (const std::exception &e) {
        ctx.emit_error(NodeError(WFNODE_ERR_INTERNAL, fmt::format("internal error: {}", e.what())), WFNODE_NO_ITEM);
        return WFNODE_ERR_INTERNAL;
    }
}

}  // namespace wfplugin
