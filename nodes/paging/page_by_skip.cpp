// Pages of pageSize by $skip/$top (the user's own order or $skip, or pages in flight): a
// change of the data during the export shifts these pages, which the count on every page
// detects. The server may split each of our pages further and say so with @odata.nextLink,
// which is followed to the end of that page; a server that cuts its pages silently is paged
// on from where its answer ended.
//
// Once the first page told the total, the pages after it are known: with concurrency above
// 1, up to that many are in flight at once (sent ahead, on connections of their own) while
// the oldest is read; records are still handed on in order, and memory holds at most what
// each page in flight buffers.
#include "paging/pager.hpp"

#include <fmt/format.h>
#include <wfplugin/http.hpp>
#include <wfplugin/retry.hpp>

#include <algorithm>
#include <deque>

namespace threecx::paging {

void page_by_skip(const Paging &p) {
    const PagingPlan &plan = p.plan;
    uint64_t skip = plan.skip;
    uint64_t stride = plan.page_size;  // records per page: less when the server cuts them silently
    auto page_top = [&](uint64_t at) -> uint64_t {  // what the page at `at` asks for
        const uint64_t left_in_top = plan.top ? plan.skip + *plan.top - std::min(at, plan.skip + *plan.top) : stride;
        return std::min(stride, left_in_top);
    };
    // Each page also asks for the count (shown only if the user asked): if it changes,
    // records moved under the pages and the export says so.
    auto page_url = [&](uint64_t at) { return plan.url({.top = page_top(at), .skip = at, .by_time = false, .since = {}, .ask_count = true}); };
    struct Ahead {
        uint64_t start;
        size_t slot;
        xapi::SentAhead request;
    };
    std::deque<Ahead> ahead;  // in page order
    for (;;) {
        const uint64_t want = page_top(skip);
        p.progress.position = fmt::format("$skip={}", skip);
        xapi::SentAhead started;
        if (!ahead.empty() && ahead.front().start != skip) ahead.clear();  // the pages moved: ask anew
        if (!ahead.empty()) started = std::move(ahead.front().request), ahead.pop_front();
        const Answer got = p.pages.read(page_url(skip), true, std::move(started));
        p.ctx.check_cancelled();
        if (p.records.reached_top()) return;
        if (got.records == 0) break;
        skip += got.records;
        auto total = p.guard.promised();
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
                    ahead.push_back({next, slot, p.pages.send_ahead(page_url(next), slot)});
                } catch (const wfplugin::http::TransportError &) {
                    break;  // sending ahead is an optimisation: the page is asked for in turn, with retries
                } catch (const wfplugin::http::RetryableFailure &) {
                    break;
                }
                next += stride;
            }
        }
    }
    p.guard.finished(p.progress.records, plan.skip);
}

}  // namespace threecx::paging
