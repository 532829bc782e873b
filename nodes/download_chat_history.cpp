// Download Chat History: GET /xapi/v1/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone='<tz>')
// with the seed's options, one output item per chat record (streamed as parsed).
#include "threecx_api.hpp"
#include "xapi/client.hpp"
#include "xapi/odata.hpp"
#include "xapi/request_options.hpp"

#include <fmt/format.h>
#include <wfplugin/json.hpp>
#include <wfplugin/node.hpp>

#include <optional>

namespace threecx {
namespace {

namespace json = wfplugin::json;
using wfplugin::ExecutionContext;
using wfplugin::NodeError;

struct DownloadPlan {
    std::string time_zone;
    std::optional<uint64_t> top;
    uint64_t skip = 0;
    bool count = false;
    bool return_all = false;
    uint64_t page_size = 1000;
    xapi::RequestOptions request;
    // $search, $filter, $select, $orderby, $expand in the order they are sent.
    std::vector<std::pair<std::string, std::string>> fixed_options;

    std::string url(std::optional<uint64_t> page_top, uint64_t page_skip) const {
        std::vector<std::pair<std::string, std::string>> q;
        if (page_top) q.emplace_back("$top", std::to_string(*page_top));
        if (page_skip) q.emplace_back("$skip", std::to_string(page_skip));
        q.insert(q.end(), fixed_options.begin(), fixed_options.end());
        if (count) q.emplace_back("$count", "true");
        return xapi::download_chat_history_path(time_zone) + xapi::query_string(q);
    }
};

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
    if (auto s = str("search"); !s.empty()) p.fixed_options.emplace_back("$search", xapi::search_phrase(s));
    if (auto s = str("filter"); !s.empty()) p.fixed_options.emplace_back("$filter", s);
    for (const char *list : {"select", "orderby", "expand"})
        if (auto s = xapi::normalise_list(str(list)); !s.empty()) p.fixed_options.emplace_back(std::string("$") + list, s);
    return p;
}

void run(const DownloadPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item) {
    uint64_t emitted = 0;
    bool count_emitted = false;
    auto reached_top = [&] { return plan.top && emitted >= *plan.top; };
    auto on_record = [&](std::string_view record) {
        // With Return All, Top caps the total even when a server page overshoots it.
        if (reached_top()) return;
        ctx.emit(item, record);
        ++emitted;
    };
    auto on_count = [&](int64_t n) {
        if (!plan.count || count_emitted) return;
        count_emitted = true;
        ctx.emit(item, fmt::format(R"({{"@odata.count":{}}})", n));
    };

    if (!plan.return_all) {
        client.get_collection(plan.url(plan.top, plan.skip), on_record, on_count, plan.request);
        return;
    }

    // Return All: pages of pageSize with $skip/$top. The server may split each of our pages
    // further and say so with @odata.nextLink, which we follow to the end of that page. The
    // export ends at an empty page, at @odata.count when the server reports it, or at a short
    // page. Whether a real PBX ever caps pages silently (no nextLink) is undocumented; when
    // $count is on, the count is what keeps such an export from ending early.
    uint64_t skip = plan.skip;
    for (;;) {
        const uint64_t want = plan.top ? std::min(plan.page_size, *plan.top - emitted) : plan.page_size;
        xapi::PageInfo page = client.get_collection(plan.url(want, skip), on_record, on_count, plan.request);
        uint64_t got = page.records;
        std::optional<int64_t> total = page.count;
        while (!page.next_link.empty() && !reached_top()) {
            std::string link = page.next_link;
            page = client.get_collection(link, on_record, on_count, plan.request);
            if (page.next_link == link)
                throw NodeError(WFNODE_ERR_API, "the server repeated the same next page link; stopped to avoid a loop",
                                {}, 200);
            got += page.records;
            if (page.count) total = page.count;
        }
        ctx.check_cancelled();
        if (reached_top() || got == 0) break;
        skip += got;
        if (total ? skip >= static_cast<uint64_t>(*total) : got < want) break;
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
    });
    return node;
}

}  // namespace threecx
