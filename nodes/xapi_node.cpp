// 3CX (threecx.xapi): every operation of 3CX's XAPI description through one node. The
// operation table and the parameter schema are generated at build time from the committed
// facts (schemas/xapi/operations.json, by tools/xapi/generate_node.py); this file turns one
// operation's parameters into its request, exactly as the description gives it, and sends it
// through the XAPI client (the shared token, retries only where safe) and, for collections,
// the pagers of paging/. Destructive operations need confirm; dry runs send nothing.
#include "paging/pager.hpp"
#include "threecx_api.hpp"
#include "xapi/body_schema.hpp"
#include "xapi/client.hpp"
#include "xapi/odata.hpp"
#include "xapi/odata_literal.hpp"
#include "xapi/request_options.hpp"

#include <fmt/format.h>
#include <wfplugin/json.hpp>
#include <wfplugin/node.hpp>
#include <wfplugin/schemas.hpp>

#include <map>
#include <optional>
#include <set>
#include <string_view>

namespace threecx {
namespace {

namespace json = wfplugin::json;
using rapidjson::Value;
using wfplugin::ExecutionContext;
using wfplugin::invalid;
using wfplugin::NodeError;

std::string str(const Value &v) { return {v.GetString(), v.GetStringLength()}; }

// The generated operation table, by operationId; it lives as long as the plugin.
const std::map<std::string_view, const Value *> &operations() {
    static const auto table = [] {
        std::map<std::string_view, const Value *> m;
        for (const auto &op : wfplugin::schemas::document("xapiOperations")["operations"].GetArray())
            m.emplace(std::string_view(op["id"].GetString(), op["id"].GetStringLength()), &op);
        return m;
    }();
    return table;
}

// The key of each entity set whose entities the facts address one by one (GET {set}({key})):
// the order Return All pages such a collection by when the user gave none. Paging by $skip
// needs one stable order: a server asked for no order may answer each page in an order of
// its own, and the pages then miss some entities and repeat others.
const std::map<std::string, std::string, std::less<>> &entity_keys() {
    static const auto keys = [] {
        std::map<std::string, std::string, std::less<>> m;
        for (const auto &[id, op] : operations()) {
            const auto &params = (*op)["params"];
            if (std::string_view((*op)["method"].GetString()) != "GET" || params.Empty()) continue;
            const std::string path = str((*op)["path"]), key = str(params[params.Size() - 1]["name"]);
            const std::string suffix = "({" + key + "})";
            if (path.size() > suffix.size() && path.ends_with(suffix)) m.emplace(path.substr(0, path.size() - suffix.size()), key);
        }
        return m;
    }();
    return keys;
}

const Value &components() { return wfplugin::schemas::document("xapiOperations")["components"]; }

bool accepts(const Value &op, std::string_view option) {
    for (const auto &q : op["query"].GetArray())
        if (option == q.GetString()) return true;
    return false;
}

struct XapiPlan {
    std::string id, method, path;  // path: relative to the service root, literals written in
    std::string shape;             // collection, entity, none
    std::vector<std::string> headers;
    std::optional<std::string> body;  // the validated body, written anew
    std::optional<uint64_t> top;
    uint64_t skip = 0;
    bool count = false, return_all = false, dry_run = false;
    uint64_t page_size = 1000;
    size_t concurrency = 1;
    std::string search, filter, select, orderby, expand;
    xapi::RequestOptions request;

    // The query options as Download Chat History sends them, in its order.
    std::string url(const paging::PageQuery &page) const {
        std::vector<std::pair<std::string, std::string>> q;
        if (page.top) q.emplace_back("$top", std::to_string(*page.top));
        if (page.skip) q.emplace_back("$skip", std::to_string(page.skip));
        if (!search.empty()) q.emplace_back("$search", search);
        if (!filter.empty()) q.emplace_back("$filter", filter);
        if (!select.empty()) q.emplace_back("$select", select);
        if (!orderby.empty()) q.emplace_back("$orderby", orderby);
        if (!expand.empty()) q.emplace_back("$expand", expand);
        if (count || page.ask_count) q.emplace_back("$count", "true");
        return path + xapi::query_string(q);
    }

    // The request a collection's first page (or any other operation) sends.
    std::string first_url() const {
        // An entity's own options ($select, $expand), no paging.
        if (shape != "collection") return url({.top = std::nullopt, .skip = 0, .by_time = false, .since = {}, .ask_count = false});
        if (return_all) return url({.top = top ? std::min(*top, page_size) : page_size, .skip = skip, .by_time = false, .since = {}, .ask_count = true});
        return url({.top = top, .skip = skip, .by_time = false, .since = {}, .ask_count = false});
    }

    paging::PagingPlan paging_plan() const {
        return {top, skip, page_size, concurrency, request, [this](const paging::PageQuery &page) { return url(page); }};
    }
};

// The operation's fields, and none of another's: a field the operation does not have is
// refused by name, as any unknown parameter is.
void refuse_foreign_fields(const Value &params, const Value &op, const std::string &id) {
    std::set<std::string, std::less<>> own{"resource", "operation", "options"};
    for (const auto &p : op["params"].GetArray()) own.insert(str(p["name"]));
    if (op.HasMember("body")) own.insert("body");
    if (op["ifMatch"].GetBool()) own.insert("ifMatch");
    if (std::string_view(op["method"].GetString()) != "GET") own.insert("confirm");
    for (const auto &m : params.GetObject()) {
        const std::string name = str(m.name);
        if (own.contains(name)) continue;
        throw invalid(name, fmt::format("{} is not a parameter of operation {} ({} {})", name, id, op["method"].GetString(),
                                        op["path"].GetString()));
    }
}

// The path template with each {name} written as the literal of its type, in the path's order.
std::string expand_path(const Value &params, const Value &op, const std::string &id) {
    std::string path = str(op["path"]);
    for (const auto &p : op["params"].GetArray()) {
        const std::string name = str(p["name"]);
        const Value *value = json::find(params, name.c_str());
        if (!value) throw invalid(name, fmt::format("{} is required by operation {}", name, id));
        const std::string placeholder = "{" + name + "}";
        const size_t at = path.find(placeholder);
        if (at == std::string::npos) throw NodeError(WFNODE_ERR_INTERNAL, fmt::format("{}: no {} in its path", id, placeholder));
        path.replace(at, placeholder.size(), xapi::path_literal(*value, p["type"].GetString(), json::find(p, "enum"), name));
    }
    return path;
}

void read_options(XapiPlan &p, const Value *o, const Value &op) {
    p.request = xapi::request_options(o);
    if (!o) return;
    // An OData option the operation does not take is refused, naming it.
    static const char *const odata[] = {"top", "skip", "search", "filter", "count", "select", "orderby", "expand"};
    for (const char *name : odata)
        if (json::find(*o, name) && !accepts(op, name))
            throw invalid(std::string("options.") + name,
                          fmt::format("operation {} does not take ${} (options.{})", p.id, name, name));
    auto text = [&](const char *name) {
        const Value *v = json::find(*o, name);
        return v ? str(*v) : std::string();
    };
    if (auto *v = json::find(*o, "top")) p.top = v->GetUint64();
    if (auto *v = json::find(*o, "skip")) p.skip = v->GetUint64();
    if (auto *v = json::find(*o, "count")) p.count = v->GetBool();
    if (auto s = text("search"); !s.empty()) p.search = xapi::search_phrase(s);
    p.filter = text("filter");
    p.select = xapi::normalise_list(text("select"));
    p.orderby = xapi::normalise_list(text("orderby"));
    p.expand = xapi::normalise_list(text("expand"));
    if (auto *v = json::find(*o, "returnAll")) p.return_all = v->GetBool();
    if (p.return_all && !(p.shape == "collection" && accepts(op, "top") && accepts(op, "skip")))
        throw invalid("options.returnAll", fmt::format("operation {} is not a collection paged by $top and $skip: "
                                                       "options.returnAll does not apply", p.id));
    if (p.return_all && p.orderby.empty() && accepts(op, "orderby"))
        if (const auto key = entity_keys().find(str(op["path"])); key != entity_keys().end()) p.orderby = key->second;
    if (auto *v = json::find(*o, "pageSize")) p.page_size = v->GetUint64();
    if (auto *v = json::find(*o, "concurrency")) p.concurrency = v->GetUint64();
    if (auto *v = json::find(*o, "dryRun")) p.dry_run = v->GetBool();
}

XapiPlan plan_from(const Value &params) {
    XapiPlan p;
    p.id = str(params["operation"]);
    const auto it = operations().find(p.id);
    if (it == operations().end()) throw invalid("operation", fmt::format("operation {} is not an XAPI operation", p.id));
    const Value &op = *it->second;
    if (str(params["resource"]) != str(op["tag"]))
        throw invalid("resource", fmt::format("operation {} belongs to resource {}, not {}", p.id, op["tag"].GetString(),
                                              params["resource"].GetString()));
    refuse_foreign_fields(params, op, p.id);
    p.method = str(op["method"]);
    p.shape = str(op["response"]);
    if (p.shape == "file")
        throw invalid("operation", fmt::format("operation {} answers with a file download, which the 3CX node does not "
                                               "support (the node ABI carries JSON items only)", p.id));
    p.path = expand_path(params, op, p.id);
    read_options(p, json::find(params, "options"), op);
    if (const Value *body_spec = json::find(op, "body")) {
        const Value *given = json::find(params, "body");
        if (!given && (*body_spec)["required"].GetBool())
            throw invalid("body", fmt::format("body is required by operation {}", p.id));
        if (given) {
            rapidjson::Document parsed;
            const Value *body = given;
            if (given->IsString()) {  // read under the same policy the validator read it with
                parsed = json::parse(str(*given), "body");
                body = &parsed;
            }
            xapi::validate_body(*body, (*body_spec)["schema"], components());
            p.body = json::stringify(*body);
        }
    }
    if (op["ifMatch"].GetBool()) {
        const Value *etag = json::find(params, "ifMatch");
        p.headers.push_back("If-Match: " + (etag ? str(*etag) : std::string("*")));
    }
    const Value *confirm = json::find(params, "confirm");
    const bool confirmed = confirm && confirm->IsTrue();
    if (json::find(op, "guarded") && !confirmed && !p.dry_run)
        throw invalid("confirm", fmt::format("operation {} ({} {}) removes, resets or overwrites what cannot be had back: "
                                             "set confirm to true to run it (or options.dryRun to preview)",
                                             p.id, p.method, op["path"].GetString()));
    return p;
}

// What a dry run prints: the request exactly as it would leave.
std::string would_send(const XapiPlan &plan, xapi::Client &client) {
    std::string headers = "{";
    for (const auto &h : plan.headers) {
        const size_t colon = h.find(':');
        if (headers.size() > 1) headers += ',';
        headers += json::quote(h.substr(0, colon)) + ":" + json::quote(h.substr(colon + 2));
    }
    if (plan.body) headers += std::string(headers.size() > 1 ? "," : "") + R"("Content-Type":"application/json")";
    headers += "}";
    return fmt::format(R"({{"dryRun":true,"operation":{},"wouldSend":{{"method":{},"path":{},"headers":{},"body":{}}}}})",
                       json::quote(plan.id), json::quote(plan.method), json::quote(client.target_of(plan.first_url())),
                       headers, plan.body ? *plan.body : "null");
}

void read_collection(const XapiPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item) {
    const paging::PagingPlan paging_plan = plan.paging_plan();
    paging::ExportProgress progress;
    paging::ExportGuard guard;
    paging::RecordHandoff records([&](std::string_view record) { ctx.emit(item, record); }, plan.top, plan.count, guard,
                                  progress, nullptr);
    paging::PageReader pages(paging_plan, client, guard, records, progress);
    const paging::Paging parts{paging_plan, pages, records, guard, progress, ctx};
    try {
        if (plan.return_all) paging::page_by_skip(parts);
        else paging::page_once(parts);
    } catch (const NodeError &e) {
        if (!plan.return_all || e.status == WFNODE_ERR_CANCELLED || e.status == WFNODE_ERR_ABORTED_BY_HOST) throw;
        throw NodeError(e.status, fmt::format("{} (stopped after {} entities, at {})", e.what(), progress.records, progress.position),
                        e.field, e.http_status, e.api_code);
    }
}

void run(const XapiPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item) {
    // The host's dry run sends reads (its request layer refuses the rest): an operation that
    // would change the PBX is printed instead, as options.dryRun prints any.
    if (plan.dry_run || (ctx.dry_run() && plan.method != "GET")) {
        ctx.emit(item, would_send(plan, client));
        return;
    }
    if (plan.shape == "collection" && plan.method == "GET") {
        read_collection(plan, client, ctx, item);
        return;
    }
    const auto answer = client.request(plan.method, plan.first_url(), plan.body.value_or(""), plan.headers, plan.request);
    ctx.log(WFNODE_LOG_INFO, fmt::format("{}: HTTP {}", plan.id, answer.status));
    if (answer.status == 204 || answer.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        ctx.emit(item, fmt::format(R"({{"ok":true,"httpStatus":{}}})", answer.status));
        return;
    }
    if (answer.content_type.find("json") == std::string::npos)
        throw NodeError(WFNODE_ERR_API, fmt::format("{}: the server answered {} instead of JSON", plan.id,
                                                    json::excerpt(answer.content_type)), {}, static_cast<int>(answer.status));
    rapidjson::Document doc = json::parse(answer.body, "the answer of " + plan.id);
    // A collection an action answers with (POST ... returning {"value": [...]}): one item each.
    if (plan.shape == "collection" && doc.IsObject() && doc.HasMember("value") && doc["value"].IsArray()) {
        for (const auto &v : doc["value"].GetArray()) ctx.emit(item, json::stringify(v));
        return;
    }
    ctx.emit(item, doc.IsObject() ? json::stringify(doc) : fmt::format(R"({{"value":{}}})", json::stringify(doc)));
}

}  // namespace

const wfplugin::Node &xapi_node() {
    static const wfplugin::SpecNode<XapiPlan, xapi::Client> node({
        .type = "threecx.xapi",
        .display_name = "3CX",
        .description = "Any operation of 3CX's XAPI: pick a resource and an operation. Operations that remove, purge, "
                       "reset, drop, restore or upgrade need Confirm.",
        .credential = &threecx_api(),
        .schema = "threecxXapi",
        .plan = plan_from,
        .run = run,
    });
    return node;
}

}  // namespace threecx
