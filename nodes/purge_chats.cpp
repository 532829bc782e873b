// Purge Chats: POST /xapi/v1/PurgeChats {"period": Pbx.PurgeSettings}. Destructive: purging
// everything needs confirmPurgeAll, and dryRun only counts what the period matches.
#include "threecx_api.hpp"
#include "xapi/client.hpp"
#include "xapi/odata.hpp"

#include <fmt/format.h>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node.hpp>

#include <optional>

namespace threecx {
namespace {

namespace iso8601 = wfplugin::iso8601;
namespace json = wfplugin::json;
using wfplugin::ExecutionContext;
using wfplugin::invalid;
using wfplugin::NodeError;

struct PurgePlan {
    bool all = false;
    std::optional<std::string> start, stop;  // as the user wrote them (sent verbatim)
    bool dry_run = false;
    bool count_first = false;

    std::string period_json() const {
        auto opt = [](const std::optional<std::string> &s) { return s ? json::quote(*s) : std::string("null"); };
        return fmt::format(R"({{"All":{},"Start":{},"Stop":{}}})", all, opt(start), opt(stop));
    }

    // The $filter that selects what the purge removes. How the PBX bounds the period is not
    // documented; we take both ends as inclusive (TimeSent ge Start and TimeSent le Stop),
    // and the bundled emulator purges the same way.
    std::string count_query() const {
        std::vector<std::pair<std::string, std::string>> q{{"$count", "true"}, {"$top", "0"}};
        std::string filter;
        if (!all) {
            if (start) filter = "TimeSent ge " + *start;
            if (stop) filter += (filter.empty() ? "" : " and ") + ("TimeSent le " + *stop);
            q.emplace_back("$filter", filter);
        }
        return "/ChatHistoryView" + xapi::query_string(q);
    }
};

std::optional<std::string> optional_time(const rapidjson::Value &period, const char *name) {
    const auto *v = json::find(period, name);
    if (!v || v->IsNull()) return std::nullopt;
    return std::string(v->GetString(), v->GetStringLength());
}

PurgePlan plan_from(const rapidjson::Value &params) {
    const rapidjson::Value &raw = params["period"];
    rapidjson::Document parsed;
    const rapidjson::Value *period = &raw;
    if (raw.IsString()) {  // schema validation already proved it holds a JSON object
        parsed.Parse(raw.GetString(), raw.GetStringLength());
        period = &parsed;
    }
    PurgePlan p;
    if (auto *a = json::find(*period, "All")) p.all = a->GetBool();
    p.start = optional_time(*period, "Start");
    p.stop = optional_time(*period, "Stop");
    if (p.all && (p.start || p.stop))
        throw invalid("period.All", "period.All is true, which purges everything: leave Start and Stop null, or set "
                                    "All to false to purge a range");
    if (!p.all && !p.start && !p.stop)
        throw invalid("period", "period must set \"All\": true or at least one of Start and Stop");
    if (p.start && p.stop && *iso8601::parse(*p.start) > *iso8601::parse(*p.stop))
        throw invalid("period.Start", fmt::format("period.Start ({}) is after period.Stop ({})", *p.start, *p.stop));
    if (const auto *o = json::find(params, "options")) {
        if (auto *v = json::find(*o, "dryRun")) p.dry_run = v->GetBool();
        if (auto *v = json::find(*o, "countBeforePurge")) p.count_first = v->GetBool();
    }
    const auto *confirm = json::find(params, "confirmPurgeAll");
    if (p.all && !p.dry_run && !(confirm && confirm->GetBool()))
        throw invalid("confirmPurgeAll", "period.All is true, which deletes every chat on the PBX: set "
                                         "confirmPurgeAll to true to do that (or use options.dryRun to preview)");
    return p;
}

int64_t count_matching(const PurgePlan &plan, xapi::Client &client) {
    int64_t count = -1;
    client.get_collection(plan.count_query(), [](std::string_view) {}, [&](int64_t n) { count = n; });
    if (count < 0) throw NodeError(WFNODE_ERR_API, "the server answered the count request without @odata.count", {}, 200);
    return count;
}

void run(const PurgePlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item) {
    std::optional<int64_t> matched;
    if (plan.dry_run || plan.count_first) matched = count_matching(plan, client);
    long status = 0;
    if (!plan.dry_run) {
        status = client.post_json("/PurgeChats", R"({"period":)" + plan.period_json() + "}");
        ctx.log(WFNODE_LOG_INFO, fmt::format("purged chats of period {} (HTTP {})", plan.period_json(), status));
    }
    ctx.emit(item, fmt::format(R"({{"dryRun":{},"period":{},"purged":{},"httpStatus":{},"matchedChats":{}}})",
                               plan.dry_run, plan.period_json(), !plan.dry_run, status,
                               matched ? std::to_string(*matched) : "null"));
}

}  // namespace

const wfplugin::Node &purge_chats() {
    static const wfplugin::SpecNode<PurgePlan, xapi::Client> node({
        .type = "threecx.purgeChats",
        .display_name = "Purge Chats",
        .description = "Deletes the chats of a period from a 3CX PBX (XAPI PurgeChats). Cannot be undone.",
        .credential = &threecx_api(),
        .schema = "purgeChats",
        .plan = plan_from,
        .run = run,
    });
    return node;
}

}  // namespace threecx
