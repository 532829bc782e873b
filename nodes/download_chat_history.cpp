// Download Chat History: GET /xapi/v1/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone='<tz>')
// with the options of the documented 3CX node (top, skip, search, filter, count, select,
// orderby, expand) and Return All; one output item per chat record (streamed as parsed).
// Incremental mode exports what came after the checkpoint the host keeps (chat_checkpoint.hpp).
#include "chat_checkpoint.hpp"
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
#include <wfplugin/retry.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
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

    // One request: $top/$skip as given; `since` adds "TimeSent ge since" to the user's filter
    // and `by_time` orders by TimeSent.
    std::string url(std::optional<uint64_t> page_top, uint64_t page_skip, bool by_time = false,
                    const std::string &since = {}, bool ask_count = false) const {
        std::vector<std::pair<std::string, std::string>> q;
        if (page_top) q.emplace_back("$top", std::to_string(*page_top));
        if (page_skip) q.emplace_back("$skip", std::to_string(page_skip));
        if (!search.empty()) q.emplace_back("$search", search);
        std::string f = since.empty() ? filter : filter.empty() ? "TimeSent ge " + since : "(" + filter + ") and TimeSent ge " + since;
        if (!f.empty()) q.emplace_back("$filter", f);
        if (!select.empty()) q.emplace_back("$select", select);
        // Pages by $skip need an order the server keeps from one request to the next: without
        // one of the user's, TimeSent.
        if (!orderby.empty()) q.emplace_back("$orderby", orderby);
        else if (by_time || return_all) q.emplace_back("$orderby", "TimeSent");
        if (!expand.empty()) q.emplace_back("$expand", expand);
        if (count || ask_count) q.emplace_back("$count", "true");
        return xapi::download_chat_history_path(time_zone) + xapi::query_string(q);
    }
};

// A request line longer than a server takes (http::max_request_line) is refused here, before
// anything is sent, naming the option that makes it long. The longest request the plan sends
// is measured: a page of Return All by TimeSent, with its count. A base URL's own path adds to
// it; the request layer refuses what still passes the limit then, without a field.
void refuse_long_request(const DownloadPlan &p) {
    http::Request longest;
    longest.url = "http://h" + xapi::Credentials::service_path() +
                  p.url(p.page_size, std::max<uint64_t>(p.skip, 1'000'000'000), true, "2000-01-01T00:00:00.000000Z", true);
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

// What keeps an export honest against a server that loops, repeats itself, or promises more
// than it sends: each check ends the item with an error naming what the server did.
class ExportGuard {
public:
    // A next link repeated within one page's chain of links is a loop. Across pages it is
    // not: two different requests can end in the same remainder (the same $skip and $top).
    void page_started() { links_.clear(); }
    void next_link(const std::string &link) {
        if (!links_.insert(link).second)
            throw NodeError(WFNODE_ERR_API, fmt::format("the server sent a next page link it had sent before ({}): a "
                                                        "loop; stopped", json::excerpt(link, 120)), {}, 200);
    }
    // A `fresh` record (not one of the boundary instant's, asked for again by paging by
    // TimeSent) goes into the page's fingerprint and counts towards what @odata.count
    // promised. The records asked for again are the paging's own overlap, not the server's
    // repeat: a last page of nothing but them is the proof of the end, never "the same page".
    void record(std::string_view json, bool fresh) {
        if (!fresh) return;
        // Every byte: records of one conversation can share their first and last bytes.
        hash_ = wfcommon::fnv1a::fold(hash_, std::hash<std::string_view>{}(json));
        ++page_records_;
    }
    // With $skip paging, a count that changes between pages means records moved under the
    // pages: some may have been skipped or repeated. That ends the export, never silently.
    void same_count(std::optional<int64_t> count) const {
        if (count && promised_ && *count != *promised_)
            throw NodeError(WFNODE_ERR_API,
                            fmt::format("the data changed during the export (@odata.count went from {} to {}): paged by "
                                        "$skip, records may have been skipped or repeated; run it again, or let it page "
                                        "by TimeSent (no orderby, no skip, a select that keeps TimeSent)",
                                        *promised_, *count),
                            {}, 200);
    }
    // At the end of each page (each request): a page of records the server sent before means
    // it ignores $skip or the next page link; with $count, no more records than it promised.
    void page_done(std::optional<int64_t> count, uint64_t page_size) {
        if (count && !promised_) promised_ = count;
        received_ += page_records_;
        if (page_records_ > 0 && !pages_.insert({hash_, page_records_}).second)
            throw NodeError(WFNODE_ERR_API, "the server sent the same page of records twice (does it ignore $skip or "
                                            "the next page link?); stopped", {}, 200);
        if (promised_ && received_ > static_cast<uint64_t>(*promised_) + page_size)
            throw NodeError(WFNODE_ERR_API, fmt::format("the server sent {} records where @odata.count promised {}",
                                                        received_, *promised_), {}, 200);
        hash_ = wfcommon::fnv1a::offset_basis;
        page_records_ = 0;
    }
    // The export ended on the server's word (a page with nothing new): it must have handed on
    // what it counted (@odata.count counts from the start, before `skipped`).
    void finished(uint64_t handed_on, uint64_t skipped) const {
        if (promised_ && handed_on + skipped < static_cast<uint64_t>(*promised_))
            throw NodeError(WFNODE_ERR_API,
                            fmt::format("the server promised {} records (@odata.count) and sent {}", *promised_,
                                        handed_on + skipped), {}, 200);
    }
    std::optional<int64_t> promised() const { return promised_; }

private:
    std::set<std::string> links_;
    std::set<std::pair<uint64_t, uint64_t>> pages_;
    uint64_t hash_ = wfcommon::fnv1a::offset_basis, page_records_ = 0, received_ = 0;
    std::optional<int64_t> promised_;
};

// A record's TimeSent, which an incremental export is made of.
wfplugin::iso8601::TimePoint time_sent(const xapi::Record &r) {
    auto t = wfplugin::iso8601::parse(r.key);
    if (!t)
        throw NodeError(WFNODE_ERR_API, r.key.empty() ? std::string("a record has no TimeSent, so the export cannot keep a checkpoint")
                                                      : fmt::format("a record's TimeSent is not a date-time: {}", json::excerpt(r.key)),
                        {}, 200);
    return *t;
}

// What one request brought, with the next page links the server split it into.
struct Answer {
    uint64_t records = 0;  // all of them, the boundary instant's asked for again included
    uint64_t largest = 0;  // the most records a single answer held
    bool linked = false;   // the server split it with @odata.nextLink
};

// `checkpoint` (incremental mode) decides which records are handed on; the paging itself
// counts every record it read (`emitted`), those handed on in an earlier run included.
void export_records(const DownloadPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item,
                    uint64_t &emitted, std::string &position, ChatCheckpoint *checkpoint = nullptr) {
    bool count_emitted = false;
    ExportGuard guard;
    auto reached_top = [&] { return plan.top && emitted >= *plan.top; };
    // Records of the boundary instant already handed on, by their bytes: the next page
    // starts at that instant again (TimeSent ge), and they are not handed on twice.
    std::string boundary;
    std::map<std::string, int, std::less<>> at_boundary;
    // Set when the page skips the boundary's records ($skip) instead of asking for them again.
    bool skipping_boundary = false;
    std::string last_time;
    // Records of the last instant handed on, one after another in `last_records` (a buffer
    // that keeps its capacity: no allocation per record).
    std::string last_records;
    std::vector<size_t> last_ends;
    auto on_record = [&](const xapi::Record &r) {
        const std::string_view record = r.json;
        if (!boundary.empty() && r.key == boundary) {
            if (auto it = at_boundary.find(record); it != at_boundary.end() && it->second > 0) {
                // Skipped by $skip, it came all the same: the server ignores $skip, or orders
                // the records of one instant differently from one request to the next, and
                // then another record of that instant was skipped in its place.
                if (skipping_boundary)
                    throw NodeError(WFNODE_ERR_API,
                                    fmt::format("the server sent a record it had sent before where $skip passed over the "
                                                "records sharing the instant {} (does it ignore $skip, or order the "
                                                "records of one instant differently from one request to the next?): "
                                                "a record may have been skipped; stopped",
                                                json::excerpt(boundary)),
                                    {}, 200);
                --it->second;  // handed on by the page before
                guard.record(record, false);
                return;
            }
        }
        guard.record(record, true);
        // With Return All, Top caps the total even when a server page overshoots it.
        if (reached_top()) return;
        if (!checkpoint || checkpoint->take(time_sent(r), record)) ctx.emit(item, record);
        ++emitted;
        if (!r.key.empty()) {
            if (r.key != last_time) last_records.clear(), last_ends.clear(), last_time = r.key;
            last_records += record;
            last_ends.push_back(last_records.size());
        }
    };
    // The records of the last instant, counted by their bytes: the next page starts there.
    auto records_at_last_instant = [&] {
        std::map<std::string, int, std::less<>> out;
        size_t from = 0;
        for (size_t end : last_ends) ++out[last_records.substr(from, end - from)], from = end;
        return out;
    };
    auto on_count = [&](int64_t n) {
        if (!plan.count || count_emitted) return;
        count_emitted = true;
        ctx.emit(item, fmt::format(R"({{"@odata.count":{}}})", n));
    };
    // One page as asked, then the next page links the server adds when it splits it, each
    // followed as it is (the server's link holds its own $skip/$top or $skiptoken).
    // `steady_count`: the count must not change from page to page ($skip paging).
    auto fetch = [&](const std::string &url, bool steady_count = false,
                     xapi::SentAhead started = {}) -> Answer {
        guard.page_started();
        xapi::PageInfo page = client.get_collection(url, on_record, on_count, plan.request, "TimeSent", std::move(started));
        if (steady_count) guard.same_count(page.count);
        guard.page_done(page.count, plan.page_size);
        Answer got{page.records, page.records, false};
        while (!page.next_link.empty() && !reached_top()) {
            got.linked = true;
            guard.next_link(page.next_link);
            position = "the next page link " + json::excerpt(page.next_link, 120);
            page = client.get_collection(page.next_link, on_record, on_count, plan.request, "TimeSent");
            if (steady_count) guard.same_count(page.count);
            guard.page_done(page.count, plan.page_size);
            got.records += page.records;
            got.largest = std::max(got.largest, page.records);
        }
        return got;
    };

    if (!plan.return_all) {
        fetch(plan.url(plan.top, plan.skip));
        return;
    }

    // Under Return All a short page is no proof of the end: a server may cap its answers
    // below the $top asked, with or without a next link. The export ends only on proof: an
    // empty page (nothing past what was handed on), or every record @odata.count promised
    // handed on. Without a count that costs one request more per export than ending at the
    // first short page did.
    if (plan.pages_by_time()) {
        // Pages in TimeSent order, each from the last instant handed on, whose records come
        // again first (the page asks for that many more) and are not handed on twice.
        //
        // When they fill the server's whole answer (more records share that instant than it
        // sends at once), no larger page can move on: the next page skips them instead, by
        // $skip within that instant, which relies on the server keeping the order of that
        // instant's records; a record skipped that comes all the same ends the export.
        uint64_t largest = 0;  // the most records the server sent in one answer so far
        bool linked = false;   // whether it splits its pages with next links
        for (;;) {
            const uint64_t emitted_before = emitted;
            uint64_t again = 0;
            for (const auto &[record, n] : at_boundary) again += static_cast<uint64_t>(n);
            const uint64_t size = plan.top ? std::min(plan.page_size, *plan.top - emitted) : plan.page_size;
            const uint64_t skip = skipping_boundary ? again : 0;
            const uint64_t want = skipping_boundary ? size : size + again;
            position = boundary.empty() ? "the first page" : "TimeSent ge " + boundary;
            if (skip) position += fmt::format(", $skip={}", skip);
            std::string since;
            if (!boundary.empty()) {
                auto t = wfplugin::iso8601::parse(boundary);
                if (!t) throw NodeError(WFNODE_ERR_API, fmt::format("a record's TimeSent is not a date-time: {}", json::excerpt(boundary)), {}, 200);
                since = wfplugin::iso8601::format(*t);
            }
            const Answer got = fetch(plan.url(want, skip, true, since));
            largest = std::max(largest, got.largest);
            linked = linked || got.linked;
            ctx.check_cancelled();
            // Once every record the first count promised is handed on, records added since
            // may follow or not; none that existed is missed.
            if (reached_top()) break;
            if (auto total = guard.promised(); total && emitted >= static_cast<uint64_t>(*total)) break;
            if (emitted == emitted_before) {
                // Nothing past what was handed on: the end, unless the server may have cut the
                // answer at the boundary's records (an answer of all it ever sends at once,
                // and no next link). Then the next page skips them.
                if (got.records == 0 || linked || largest > got.records) break;
                skipping_boundary = true;
                at_boundary = records_at_last_instant();
                continue;
            }
            if (last_time.empty())
                throw NodeError(WFNODE_ERR_API, "a record has no TimeSent, so the export cannot page by time", {}, 200);
            // Still inside the instant it skipped in: the next page skips the records of that
            // instant handed on so far.
            skipping_boundary = skipping_boundary && last_time == boundary;
            boundary = last_time;
            at_boundary = records_at_last_instant();
        }
        if (!reached_top()) guard.finished(emitted, 0);
        return;
    }

    // Pages of pageSize by $skip/$top (the user's own order or $skip, or pages in flight): a
    // change of the data during the export shifts these pages, which the count on every page
    // detects. The server may split each of our pages further and say so with
    // @odata.nextLink, which we follow to the end of that page; a server that cuts its pages
    // silently is paged on from where its answer ended.
    //
    // Once the first page told the total, the pages after it are known: with concurrency
    // above 1, up to that many are in flight at once (sent ahead, on connections of their
    // own) while the oldest is read; records are still handed on in order, and memory holds
    // at most what each page in flight buffers.
    uint64_t skip = plan.skip;
    uint64_t stride = plan.page_size;  // records per page: less when the server cuts them silently
    auto page_top = [&](uint64_t at) -> uint64_t {  // what the page at `at` asks for
        const uint64_t left_in_top = plan.top ? plan.skip + *plan.top - std::min(at, plan.skip + *plan.top) : stride;
        return std::min(stride, left_in_top);
    };
    auto page_url = [&](uint64_t at) { return plan.url(page_top(at), at, false, {}, true); };
    struct Ahead {
        uint64_t start;
        size_t slot;
        xapi::SentAhead request;
    };
    std::deque<Ahead> ahead;  // in page order
    for (;;) {
        const uint64_t want = page_top(skip);
        position = fmt::format("$skip={}", skip);
        xapi::SentAhead started;
        if (!ahead.empty() && ahead.front().start != skip) ahead.clear();  // the pages moved: ask anew
        if (!ahead.empty()) started = std::move(ahead.front().request), ahead.pop_front();
        // Each page also asks for the count (shown only if the user asked): if it changes,
        // records moved under the pages and the export says so.
        const Answer got = fetch(page_url(skip), true, std::move(started));
        ctx.check_cancelled();
        if (reached_top()) return;
        if (got.records == 0) break;
        skip += got.records;
        auto total = guard.promised();
        if (total && skip >= static_cast<uint64_t>(*total)) break;
        // Cut short without a next link: the server's own page size, for the pages after it.
        if (got.records < want && !got.linked) stride = got.records;
        // Keep the pages after this one in flight, up to the total and to Top.
        if (plan.concurrency > 1 && total && got.records == want) {
            uint64_t next = ahead.empty() ? skip : ahead.back().start + stride;
            while (ahead.size() < plan.concurrency && next < static_cast<uint64_t>(*total) && page_top(next) > 0) {
                size_t slot = 1;  // slot 0 serves every other request
                while (std::any_of(ahead.begin(), ahead.end(), [&](const Ahead &a) { return a.slot == slot; })) ++slot;
                try {
                    ahead.push_back({next, slot, client.start_collection(page_url(next), slot, plan.request)});
                } catch (const http::TransportError &) {
                    break;  // sending ahead is an optimisation: the page is asked for in turn, with retries
                } catch (const http::RetryableFailure &) {
                    break;
                }
                next += stride;
            }
        }
    }
    guard.finished(emitted, plan.skip);
}

// Incremental mode: the committed checkpoint from the host, the export from its window, and
// the new checkpoint staged (the host commits it only once the run succeeded).
void run_incremental(const DownloadPlan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item,
                     uint64_t &emitted, std::string &position) {
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
    export_records(bounded, client, ctx, item, emitted, position, &checkpoint);
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
    uint64_t emitted = 0;
    std::string position = "the first page";
    try {
        if (plan.incremental) run_incremental(plan, client, ctx, item, emitted, position);
        else export_records(plan, client, ctx, item, emitted, position);
    } catch (const NodeError &e) {
        // Continue-on-fail turns this into the item's error item: it says how far it got.
        // A refusal (a checkpoint or options that cannot be used) comes before any export.
        if (!plan.return_all || e.status == WFNODE_ERR_CANCELLED || e.status == WFNODE_ERR_ABORTED_BY_HOST ||
            e.status == WFNODE_ERR_INVALID_INPUT)
            throw;
        throw NodeError(e.status, fmt::format("{} (the export stopped after {} records, at {})", e.what(), emitted, position),
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
