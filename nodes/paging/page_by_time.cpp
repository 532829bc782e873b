// Pages in TimeSent order, each from the last instant handed on, whose records come again
// first (the page asks for that many more) and are not handed on twice (RecordHandoff).
//
// When they fill the server's whole answer (more records share that instant than it sends at
// once), no larger page can move on: the next page skips them instead, by $skip within that
// instant, which relies on the server keeping the order of that instant's records; a record
// skipped that comes all the same ends the export.
#include "paging/pager.hpp"

#include <fmt/format.h>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

#include <algorithm>

namespace threecx::paging {

using wfplugin::NodeError;

void page_by_time(const Paging &p) {
    RecordHandoff &records = p.records;
    uint64_t largest = 0;  // the most records the server sent in one answer so far
    bool linked = false;   // whether it splits its pages with next links
    for (;;) {
        const uint64_t read_before = p.progress.records;
        const uint64_t again = records.boundary_records();
        const uint64_t size = p.plan.top ? std::min(p.plan.page_size, *p.plan.top - p.progress.records) : p.plan.page_size;
        const uint64_t skip = records.skipping_boundary() ? again : 0;
        const uint64_t want = records.skipping_boundary() ? size : size + again;
        const std::string &boundary = records.boundary();
        p.progress.position = boundary.empty() ? "the first page" : "TimeSent ge " + boundary;
        if (skip) p.progress.position += fmt::format(", $skip={}", skip);
        std::string since;
        if (!boundary.empty()) {
            auto t = wfplugin::iso8601::parse(boundary);
            if (!t)
                throw NodeError(WFNODE_ERR_API, fmt::format("a record's TimeSent is not a date-time: {}", wfplugin::json::excerpt(boundary)),
                                {}, 200);
            since = wfplugin::iso8601::format(*t);
        }
        const Answer got = p.pages.read(p.plan.url({.top = want, .skip = skip, .by_time = true, .since = since, .ask_count = false}));
        largest = std::max(largest, got.largest);
        linked = linked || got.linked;
        p.ctx.check_cancelled();
        // Once every record the first count promised is handed on, records added since may
        // follow or not; none that existed is missed.
        if (records.reached_top()) break;
        if (auto total = p.guard.promised(); total && p.progress.records >= static_cast<uint64_t>(*total)) break;
        if (p.progress.records == read_before) {
            // Nothing past what was handed on: the end, unless the server may have cut the
            // answer at the boundary's records (an answer of all it ever sends at once, and
            // no next link). Then the next page skips them.
            if (got.records == 0 || linked || largest > got.records) break;
            records.skip_boundary();
            continue;
        }
        if (records.last_instant().empty())
            throw NodeError(WFNODE_ERR_API, "a record has no TimeSent, so the export cannot page by time", {}, 200);
        records.start_at_last_instant();
    }
    if (!records.reached_top()) p.guard.finished(p.progress.records, 0);
}

}  // namespace threecx::paging
