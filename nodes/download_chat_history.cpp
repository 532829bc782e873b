// Download Chat History: GET /xapi/v1/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone='<tz>')
// with the options of the documented 3CX node (top, skip, search, filter, count, select,
// orderby, expand) and Return All; one output item per chat record (streamed as parsed).
// Incremental mode exports what came after the checkpoint the host keeps (chat_checkpoint.hpp).
// The pages are read by paging/ (pager.hpp): this file says which records and how to ask.
#include "chat_checkpoint.hpp"
#include "paging/pager.hpp"
#include "threecx_api.hpp"
#include "time_zones.hpp"
#include "xapi/client.hpp"
#include "xapi/odata.hpp"
#include "xapi/request_options.hpp"

#include <fmt/format.h>
#include <wfcommon/fnv1a.hpp>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node.hpp>
#include <wfplugin/node_state.hpp>
#include <wfnode/state.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string_view>

namespace threecx {
namespace {

namespace json = wfplugin::json;
namespace http = wfplugin::http;
using wfplugin::ExecutionContext;
using wfplugin::NodeError;

struct DownloadPlan {
    std::string time_zone;
    std::optional<uint64_t> top;
    uint64_t skip = 0;
    bool count = false;
    bool return_all = false;
    uint64_t page_size = 1000;
    size_t concurrency = 1;  // pages in flight under Return All
    xapi::RequestOptions request;
    std::string search, filter, select, orderby, expand;  // as sent ($search quoted, lists trimmed)
    // Incremental mode: the first run's start, the end (exclusive), the late window re-read.
    bool incremental = false;
    std::optional<wfplugin::iso8601::TimePoint> start_at, end_before;
    std::chrono::seconds late_window{86400};

    // The options that decide which records a run reads and their bytes: a checkpoint
    // belongs to them (a filter that changed would make it mean something else).
    std::string query_identity() const {
        return wfcommon::fnv1a::hex(wfcommon::fnv1a::hash(fmt::format("{}\n{}\n{}\n{}\n{}", time_zone, search, filter, select, expand)));
    }

    // Return All pages by TimeSent ("keyset") rather than by $skip whenever it can: a record
    // purged or added while the export runs then shifts no later page. It can when the user
    // sets no order of their own, no $skip, and a $select (if any) that keeps TimeSent.
    // With concurrency above 1 it pages by $skip instead: the pages after the first are known
    // in advance, so they can be asked for at once.
    bool pages_by_time() const {
        if (!return_all || skip != 0 || !orderby.empty() || concurrency > 1) return false;
        if (select.empty()) return true;
        for (size_t at = 0; at <= select.size();) {
            size_t end = std::min(select.find(',', at), select.size());
            if (select.compare(at, end - at, "TimeSent") == 0) return true;
            at = end + 1;
        }
        return false;
    }

    // One request: the page's $top/$skip, the user's options; `page.since` adds "TimeSent ge
    // since" to the user's filter and `page.by_time` orders by TimeSent.
    std::string url(const paging::PageQuery &page) const {
        std::vector<std::pair<std::string, std::string>> q;
        if (page.top) q.emplace_back("$top", std::to_string(*page.top));
        if (page.skip) q.emplace_back("$skip", std::to_string(page.skip));
        if (!search.empty()) q.emplace_back("$search", search);
        const std::string &since = page.since;
        std::string f = since.empty() ? filter : filter.empty() ? "TimeSent ge " + since : "(" + filter + ") and TimeSent ge " + since;
        if (!f.empty()) q.emplace_back("$filter", f);
        if (!select.empty()) q.emplace_back("$select", select);
        // Pages by $skip need an order the server keeps from one request to the next: without
        // one of the user's, TimeSent.
        if (!orderby.empty()) q.emplace_back("$orderby", orderby);
        else if (page.by_time || return_all) q.emplace_back("$orderby", "TimeSent");
        if (!expand.empty()) q.emplace_back("$expand", expand);
        if (count || page.ask_count) q.emplace_back("$count", "true");
        return xapi::download_chat_history_path(time_zone) + xapi::query_string(q);
    }

    // What the pagers read by; its URLs are this plan's (it must outlive them).
    paging::PagingPlan paging_plan() const {
        return {top, skip, page_size, concurrency, request, [this](const paging::PageQuery &page) { return url(page); }};
    }
};

// A request line longer than a server takes (http::max_request_line) is refused here, before
// anything is sent, naming the option that makes it long. The longest request the plan sends
// is measured: a page of Return All by TimeSent, with its count. A base URL's own path adds to
// it; the request layer refuses what still passes the limit then, without a field.
void refuse_long_request(const DownloadPlan &p) {
    http::Request longest;
    longest.url = "http://h" + xapi::Credentials::service_path() +
                  p.url({.top = p.page_size,
                         .skip = std::max<uint64_t>(p.skip, 1'000'000'000),
                         .by_time = true,
                         .since = "2000-01-01T00:00:00.000000Z",
                         .ask_count = true});
    const size_t size = http::request_line_size(longest);
    if (size <= http::max_request_line) return;
    const std::pair<const char *, const std::string *> options[] = {
        {"search", &p.search}, {"filter", &p.filter}, {"select", &p.select}, {"orderby", &p.orderby}, {"expand", &p.expand}};
    const auto *biggest = &options[0];
    for (const auto &o : options)
        if (http::percent_encode(*o.second).size() > http::percent_encode(*biggest->second).size()) biggest = &o;
    throw wfplugin::invalid(std::string("options.") + biggest->first,
                            fmt::format("options.{} ({} bytes once percent-encoded) makes the request line {} bytes, more "
                                        "than the {} a server accepts (nginx's and Kestrel's default): shorten it",
                                        biggest->first, http::percent_encode(*biggest->second).size(), size,
                                        http::max_request_line));
}

// The schema's "x-iana-time-zone" format admits IANA names only: which names the PBX
// accepts is not documented by 3CX, and IANA is what browsers report.
DownloadPlan plan_from(const rapidjson::Value &params) {
    DownloadPlan p;
    p.time_zone = params["clientTimeZone"].GetString();
    const rapidjson::Value *o = json::find(params, "options");
    p.request = xapi::request_options(o);
    if (!o) return p;
    auto str = [&](const char *name) -> std::string {
        auto *v = json::find(*o, name);
        return v ? std::string(v->GetString(), v->GetStringLength()) : std::string();
    };
    if (auto *v = json::find(*o, "top")) p.top = v->GetUint64();
    if (auto *v = json::find(*o, "skip")) p.skip = v->GetUint64();
    if (auto *v = json::find(*o, "count")) p.count = v->GetBool();
    if (auto *v = json::find(*o, "returnAll")) p.return_all = v->GetBool();
    if (auto *v = json::find(*o, "pageSize")) p.page_size = v->GetUint64();
    if (auto *v = json::find(*o, "concurrency")) p.concurrency = v->GetUint64();
    if (auto s = str("search"); !s.empty()) p.search = xapi::search_phrase(s);
    p.filter = str("filter");
    p.select = xapi::normalise_list(str("select"));
    p.orderby = xapi::normalise_list(str("orderby"));
    p.expand = xapi::normalise_list(str("expand"));
    if (auto *v = json::find(*o, "incremental")) p.incremental = v->GetBool();
    auto instant = [&](const char *name) -> std::optional<wfplugin::iso8601::TimePoint> {
        auto text = str(name);
        if (text.empty()) return std::nullopt;
        if (!p.incremental)
            throw wfplugin::invalid(std::string("options.") + name, fmt::format("options.{} needs options.incremental", name));
        return wfplugin::iso8601::parse(text);  // the schema checked it is a date-time
    };
    p.start_at = instant("startAt");
    p.end_before = instant("endBefore");
    if (auto *v = json::find(*o, "lateWindowS")) {
        if (!p.incremental) throw wfplugin::invalid("options.lateWindowS", "options.lateWindowS needs options.incremental");
        p.late_window = std::chrono::seconds(v->GetUint64());
    }
    if (p.incremental) {
        // One way to page: by TimeSent, one page at a time, so that the checkpoint is the
        // last TimeSent handed on and nothing before it is missing.
        auto refuse = [](const char *option, const char *why) {
            throw wfplugin::invalid(std::string("options.") + option,
                                    fmt::format("options.{} cannot be used with options.incremental: {}", option, why));
        };
        if (p.top) refuse("top", "an incremental export hands on every record after the checkpoint");
        if (p.skip) refuse("skip", "it pages by TimeSent from the checkpoint");
        if (!p.orderby.empty()) refuse("orderby", "it pages in TimeSent order");
        if (p.count) refuse("count", "the count would be written to the archive as a record");
        if (p.concurrency > 1) refuse("concurrency", "it pages by TimeSent, one page at a time (set 1)");
        if (auto *v = json::find(*o, "returnAll"); v && !v->GetBool()) refuse("returnAll", "it implies Return All");
        p.return_all = true;
        if (!p.pages_by_time()) refuse("select", "the select must keep TimeSent, which the checkpoint is made of");
        if (p.start_at && p.end_before && *p.end_before <= *p.start_at)
            throw wfplugin::invalid("options.endBefore", "options.endBefore must be after options.startAt");
    }
    refuse_long_request(p);
    return p;
}

// One export: the pager the plan calls for, reading through one guard and one handoff.
// `checkpoint` (incremental mode) decides which records are handed on; the paging itself
// counts every record it read, those handed on in an earlier run included.
void export_records(const DownloadPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item,
                    paging::ExportProgress &progress, ChatCheckpoint *checkpoint = nullptr) {
    const paging::PagingPlan paging_plan = plan.paging_plan();
    paging::ExportGuard guard;
    paging::RecordHandoff records([&](std::string_view json) { ctx.emit(item, json); }, plan.top, plan.count, guard,
                                  progress, checkpoint);
    paging::PageReader pages(paging_plan, client, guard, records, progress);
    const paging::Paging parts{paging_plan, pages, records, guard, progress, ctx};
    if (!plan.return_all) paging::page_once(parts);
    else if (plan.pages_by_time()) paging::page_by_time(parts);
    else paging::page_by_skip(parts);
}

// Incremental mode: the committed checkpoint from the host, the export from its window, and
// the new checkpoint staged (the host commits it only once the run succeeded).
void run_incremental(const DownloadPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item,
                     paging::ExportProgress &progress) {
    auto state = wfplugin::NodeState::of(ctx);
    if (!state)
        throw wfplugin::invalid("options.incremental",
                                "options.incremental needs a host that keeps the node's checkpoint (the " WFNODE_EXT_STATE
                                " extension, ABI 1.4), and this host offers none: nothing was exported (nodehost: "
                                "\"state\" in the pipeline, or exec --state FILE)");
    if (ctx.items_total() != 1)
        throw wfplugin::invalid("options.incremental",
                                fmt::format("options.incremental keeps one checkpoint per step, and this execution has {} "
                                            "input items: give it one", ctx.items_total()));
    const std::string pbx = xapi::client_identity(client.credentials()), query = plan.query_identity();
    const auto committed = state->committed();
    const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    ChatCheckpoint checkpoint = committed ? ChatCheckpoint::read(*committed, pbx, query, now)
                                          : ChatCheckpoint(pbx, query, plan.start_at);
    DownloadPlan bounded = plan;
    auto add = [&](const std::string &term) { bounded.filter = bounded.filter.empty() ? term : "(" + bounded.filter + ") and " + term; };
    if (auto from = checkpoint.read_from()) add("TimeSent ge " + wfplugin::iso8601::format(*from));
    if (plan.end_before) add("TimeSent lt " + wfplugin::iso8601::format(*plan.end_before));
    if (plan.end_before && checkpoint.checkpoint() && *plan.end_before <= *checkpoint.checkpoint())
        ctx.log(WFNODE_LOG_INFO, "endBefore is not after the checkpoint: nothing new to export");
    export_records(bounded, client, ctx, item, progress, &checkpoint);
    const std::string next = checkpoint.next_state(plan.late_window);
    if (next.size() > json::max_bytes)
        throw NodeError(WFNODE_ERR_INVALID_INPUT,
                        fmt::format("the new checkpoint would be {} bytes, more than a state may hold ({}): lower "
                                    "options.lateWindowS", next.size(), json::max_bytes), "options.lateWindowS");
    ctx.log(WFNODE_LOG_INFO, fmt::format("incremental: {} records handed on, {} read again and passed over (handed on "
                                         "before); checkpoint {}", checkpoint.handed_on(), checkpoint.passed_over(),
                                         checkpoint.checkpoint() ? wfplugin::iso8601::format(*checkpoint.checkpoint()) : "none"));
    state->stage(next);
}

void run(const DownloadPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item) {
    paging::ExportProgress progress;
    try {
        if (plan.incremental) run_incremental(plan, client, ctx, item, progress);
        else export_records(plan, client, ctx, item, progress);
    } catch (const NodeError &e) {
        // Continue-on-fail turns this into the item's error item: it says how far it got.
        // A refusal (a checkpoint or options that cannot be used) comes before any export.
        if (!plan.return_all || e.status == WFNODE_ERR_CANCELLED || e.status == WFNODE_ERR_ABORTED_BY_HOST ||
            e.status == WFNODE_ERR_INVALID_INPUT)
            throw;
        throw NodeError(e.status, fmt::format("{} (the export stopped after {} records, at {})", e.what(), progress.records,
                                              progress.position),
                        e.field, e.http_status, e.api_code);
    }
}

}  // namespace

const wfplugin::Node &download_chat_history() {
    static const wfplugin::SpecNode<DownloadPlan, xapi::Client> node({
        .type = "threecx.downloadChatHistory",
        .display_name = "Download Chat History",
        .description = "Downloads chat history records from a 3CX PBX (XAPI DownloadChatHistory), one output item per record.",
        .credential = &threecx_api(),
        .schema = "downloadChatHistory",
        .plan = plan_from,
        .run = run,
        .options_source = time_zones_source,
        .options = time_zone_options,
    });
    return node;
}

}  // namespace threecx
