// Purge Chats: POST /xapi/v1/PurgeChats {"period": Pbx.PurgeSettings}. Destructive: purging
// everything needs confirmPurgeAll, and dryRun (or a dry run of the host's) only counts what
// the period matches.
#include "purge_chats.hpp"
#include "threecx_api.hpp"
#include "xapi/client.hpp"
#include "xapi/odata.hpp"
#include "xapi/request_options.hpp"

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
    std::optional<iso8601::TimePoint> start, stop;  // validated instants, sent in one canonical form
    bool dry_run = false;
    bool count_first = false;
    // The most chats the period may hold (options.archivedCount): counted first, and the
    // purge refused when there are more.
    std::optional<int64_t> at_most;
    xapi::RequestOptions request;

    // The request body, built from the validated plan and nothing else: no input text is
    // copied into it, so no input can add a key to it.
    std::string body() const { return R"({"period":)" + period_json() + "}"; }

    std::string period_json() const {
        auto instant = [](const std::optional<iso8601::TimePoint> &t) {
            return t ? json::quote(iso8601::format(*t)) : std::string("null");
        };
        return fmt::format(R"({{"All":{},"Start":{},"Stop":{}}})", all, instant(start), instant(stop));
    }

    // The $filter that selects what the purge removes. How the PBX bounds the period is not
    // documented; we take both ends as inclusive (TimeSent ge Start and TimeSent le Stop),
    // and the bundled emulator purges the same way.
    std::string count_query() const {
        std::vector<std::pair<std::string, std::string>> q{{"$count", "true"}, {"$top", "0"}};
        std::string filter;
        if (!all) {
            if (start) filter = "TimeSent ge " + iso8601::format(*start);
            if (stop) filter += (filter.empty() ? "" : " and ") + ("TimeSent le " + iso8601::format(*stop));
            q.emplace_back("$filter", filter);
        }
        return "/ChatHistoryView" + xapi::query_string(q);
    }
};

// Start or Stop of a validated period: the schema validator has already checked the shape
// and the calendar, so a value that does not parse here is a bug, reported as one.
std::optional<iso8601::TimePoint> optional_time(const rapidjson::Value &period, const char *name) {
    const auto *v = json::find(period, name);
    if (!v || v->IsNull()) return std::nullopt;
    auto t = iso8601::parse({v->GetString(), v->GetStringLength()});
    if (!t) throw invalid(std::string("period.") + name, fmt::format("period.{} is not a valid date-time", name));
    return t;
}

bool flag(const rapidjson::Value *object, const char *name) {
    const auto *v = object ? json::find(*object, name) : nullptr;
    return v && v->IsTrue();
}

PurgePlan plan_from(const rapidjson::Value &params) {
    const rapidjson::Value &raw = params["period"];
    rapidjson::Document parsed;
    const rapidjson::Value *period = &raw;
    if (raw.IsString()) {  // read under the same policy the validator read it with
        parsed = json::parse({raw.GetString(), raw.GetStringLength()}, "period");
        period = &parsed;
    }
    PurgePlan p;
    p.all = flag(period, "All");
    p.start = optional_time(*period, "Start");
    p.stop = optional_time(*period, "Stop");
    if (p.all && (p.start || p.stop))
        throw invalid("period.All", "period.All is true, which purges everything: leave Start and Stop null, or set "
                                    "All to false to purge a range");
    if (!p.all && !p.start && !p.stop)
        throw invalid("period", "period must set \"All\": true or at least one of Start and Stop");
    if (p.start && p.stop && *p.start > *p.stop)
        throw invalid("period.Start", fmt::format("period.Start ({}) is after period.Stop ({})", iso8601::format(*p.start),
                                                  iso8601::format(*p.stop)));
    const auto *options = json::find(params, "options");
    p.dry_run = flag(options, "dryRun");
    p.count_first = flag(options, "countBeforePurge");
    if (const auto *n = options ? json::find(*options, "archivedCount") : nullptr) p.at_most = n->GetInt64();
    p.request = xapi::request_options(options);
    if (p.dry_run || flag(&params, "confirmPurgeAll")) return p;
    if (p.all)
        throw invalid("confirmPurgeAll", "period.All is true, which deletes every chat on the PBX: set "
                                         "confirmPurgeAll to true to do that (or use options.dryRun to preview)");
    // A period open towards the future keeps deleting: today's chats as they arrive.
    const auto now = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
    if (!p.stop || *p.stop > now)
        throw invalid("confirmPurgeAll",
                      fmt::format("period {} reaches into the future, so it deletes chats as they arrive (today's "
                                  "included): set confirmPurgeAll to true to do that, give a Stop in the past, or use "
                                  "options.dryRun to preview",
                                  p.stop ? "Stop " + iso8601::format(*p.stop) + " is later than now and" : "has no Stop and"));
    return p;
}

// Relative to the service root, as the client's requests are.
constexpr const char *purge_path = "/PurgeChats";

int64_t count_matching(const PurgePlan &plan, xapi::Client &client) {
    int64_t count = -1;
    client.get_collection(plan.count_query(), [](const xapi::Record &) {}, [&](int64_t n) { count = n; }, plan.request);
    if (count < 0) throw NodeError(WFNODE_ERR_API, "the server answered the count request without @odata.count", {}, 200);
    return count;
}

void run(const PurgePlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item) {
    // A preview when the parameters ask for one, or when the host runs a dry run: the host's
    // word is the execution's, so no parameter (options.dryRun false from an expression) can
    // undo it, and the request layer would refuse the POST anyway.
    const bool preview = plan.dry_run || ctx.dry_run();
    std::optional<int64_t> matched;
    if (preview || plan.count_first || plan.at_most) matched = count_matching(plan, client);
    // The count and the POST are two requests: a chat that reaches the period between them is
    // purged uncounted. That window is the time between two requests (milliseconds).
    if (plan.at_most && *matched > *plan.at_most)
        throw NodeError(WFNODE_ERR_INVALID_INPUT,
                        fmt::format("the PBX holds {} chats in period {}, and only {} of them were found in the archive "
                                    "(options.archivedCount): {} would be purged that no archive file holds; nothing purged",
                                    *matched, plan.period_json(), *plan.at_most, *matched - *plan.at_most),
                        "options.archivedCount");
    long status = 0;
    if (!preview) {
        status = client.post_json(purge_path, plan.body(), plan.request);
        ctx.log(WFNODE_LOG_INFO, fmt::format("purged chats of period {} (HTTP {})", plan.period_json(), status));
    }
    // A preview says what it would have sent: the very body the real run sends, to the path it
    // posts to (with the base URL's own path, a reverse proxy's prefix).
    const std::string would_send =
        preview ? fmt::format(R"(,"wouldSend":{{"method":"POST","path":{},"body":{}}})",
                              json::quote(client.target_of(purge_path)), plan.body())
                : "";
    ctx.emit(item, fmt::format(R"({{"dryRun":{},"period":{},"purged":{},"httpStatus":{},"matchedChats":{}{}}})", preview,
                               plan.period_json(), !preview, status, matched ? std::to_string(*matched) : "null",
                               would_send));
}

}  // namespace

std::string purge_request_body(const rapidjson::Value &validated_parameters) {
    return plan_from(validated_parameters).body();
}

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
