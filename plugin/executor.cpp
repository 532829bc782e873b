#include "executor.hpp"

#include "registry.hpp"
#include "wfplugin/execution_context.hpp"
#include "wfplugin/json.hpp"
#include "wfplugin/node_error.hpp"

#include <fmt/format.h>
#include <wfcommon/secret_fields.hpp>

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

// What validation made of a request: how to open the session, and per item its work or its
// error. Nothing has been sent to make it.
struct Prepared {
    SessionOpener open_session = [](ExecutionContext &) { return std::make_unique<Session>(); };
    std::vector<ItemJob> jobs;
    std::vector<std::optional<NodeError>> invalid_items;
};

// Validates the node type, the credentials and every item. Returns WFNODE_OK, or the status
// of a problem it has reported that ends the request: an unknown node, bad credentials, or
// (unless `keep_going`) the first invalid item. With `keep_going`, item errors are kept in
// `out.invalid_items` for the caller to report at their turn.
wfnode_status prepare(const wfnode_execute_request &req, ExecutionContext &ctx, bool keep_going, Prepared &out) {
    const Node *node = req.node_type ? find_node(req.node_type) : nullptr;
    if (!node) {
        return report(ctx,
                      NodeError(WFNODE_ERR_UNKNOWN_NODE,
                                fmt::format("this plugin has no node of type {}", json::excerpt(req.node_type ? req.node_type : ""))),
                      WFNODE_NO_ITEM, false)
            .status;
    }

    try {
        out.open_session = accept_credentials(*node, req.credentials_json, ctx);
    } catch (const NodeError &e) {
        return report(ctx, e, WFNODE_NO_ITEM, false).status;
    }

    std::optional<rapidjson::Document> shared;
    out.jobs.resize(req.item_count);
    out.invalid_items.resize(req.item_count);
    for (uint32_t i = 0; i < req.item_count; ++i) {
        try {
            const wfnode_item &item = req.items[i];
            auto item_doc = json::parse(item.json ? item.json : "null", "item");
            if (!item_doc.IsObject()) throw invalid("item", "the input item must be a JSON object");
            if (item.parameters_json) {
                auto params = json::parse(item.parameters_json, "parameters");
                out.jobs[i] = node->prepare(params);
            } else {
                if (!shared) shared = json::parse(req.parameters_json ? req.parameters_json : "{}", "parameters");
                out.jobs[i] = node->prepare(*shared);
            }
        } catch (const NodeError &e) {
            if (!keep_going) return report(ctx, e, i, false).status;
            out.invalid_items[i] = e;
        }
    }
    return WFNODE_OK;
}

// Validate every item before sending anything. Without continue-on-fail the first invalid
// item ends the execution there; with it, each item's error is reported at its turn, so
// outputs and errors come in item order.
wfnode_status run(const wfnode_execute_request &req, ExecutionContext &ctx) {
    const bool continue_on_fail = (req.flags & WFNODE_EXEC_CONTINUE_ON_FAIL) != 0;
    Prepared p;
    if (wfnode_status s = prepare(req, ctx, continue_on_fail, p); s != WFNODE_OK) return s;

    std::unique_ptr<Session> session;
    for (uint32_t i = 0; i < req.item_count; ++i) {
        try {
            if (p.invalid_items[i]) throw *p.invalid_items[i];
            ctx.check_cancelled();
            if (!session) session = p.open_session(ctx);
            p.jobs[i](*session, ctx, i);
            ctx.count_item_done();
        } catch (const NodeError &e) {
            if (auto o = report(ctx, e, i, continue_on_fail); o.stop) return o.status;
        }
    }
    return WFNODE_OK;
}

// Every problem is reported, item by item; nothing runs.
wfnode_status check(const wfnode_execute_request &req, ExecutionContext &ctx) {
    Prepared p;
    if (wfnode_status s = prepare(req, ctx, true, p); s != WFNODE_OK) return s;
    wfnode_status first = WFNODE_OK;
    for (uint32_t i = 0; i < req.item_count; ++i)
        if (p.invalid_items[i]) {
            ctx.emit_error(*p.invalid_items[i], i);
            if (first == WFNODE_OK) first = p.invalid_items[i]->status;
        }
    return first;
}

// Runs `fn` for the request, turning anything thrown into an error reported as data.
template <typename Fn>
wfnode_status guarded(const wfnode_execute_request &request, const wfnode_host &host, Fn fn, bool dry_run = false) {
    ExecutionContext ctx(host, request.item_count, dry_run);
    try {
        return fn(request, ctx);
    } catch (const NodeError &e) {
        return report(ctx, e, WFNODE_NO_ITEM, false).status;
    } catch (const std::exception &e) {
        ctx.emit_error(NodeError(WFNODE_ERR_INTERNAL, fmt::format("internal error: {}", e.what())), WFNODE_NO_ITEM);
        return WFNODE_ERR_INTERNAL;
    }
}

}  // namespace

SessionOpener accept_credentials(const Node &node, const char *credentials_json, ExecutionContext &ctx) {
    // The node says which credential type it needs and how to open a session with it.
    const CredentialType *type = node.credential();
    if (!type) return [](ExecutionContext &) { return std::make_unique<Session>(); };
    auto doc = json::parse(credentials_json ? credentials_json : "null", "credentials");
    if (!doc.IsObject()) throw invalid("credentials", "credentials must be a JSON object");
    // Fields the schema marks secret (wfcommon's one rule) are redacted from here on, so not
    // even a validation error can repeat one.
    for (const std::string &name : wfcommon::secret_fields(type->schema()))
        if (const auto *v = json::find(doc, name.c_str()); v && v->IsString())
            ctx.add_secret({v->GetString(), v->GetStringLength()});
    return type->accept(doc);
}

wfnode_status execute_request(const wfnode_execute_request &request, const wfnode_host &host) {
    return guarded(request, host, run);
}

wfnode_status execute_dry_run_request(const wfnode_execute_request &request, const wfnode_host &host) {
    return guarded(request, host, run, true);
}

wfnode_status validate_request(const wfnode_execute_request &request, const wfnode_host &host) {
    return guarded(request, host, check);
}

}  // namespace wfplugin
