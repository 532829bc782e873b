// One page as a pager asks for it, then the next page links the server adds when it splits
// it, each followed as it is (the server's link holds its own $skip/$top or $skiptoken).
// Every answer passes the export's guard; every record goes to the handoff.
#pragma once

#include "paging/export_guard.hpp"
#include "paging/export_progress.hpp"
#include "paging/paging_plan.hpp"
#include "paging/record_handoff.hpp"
#include "xapi/client.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace threecx::paging {

// What one page brought, with the next page links the server split it into.
struct Answer {
    uint64_t records = 0;  // all of them, the boundary instant's asked for again included
    uint64_t largest = 0;  // the most records a single answer held
    bool linked = false;   // the server split it with @odata.nextLink
};

class PageReader {
public:
    PageReader(const PagingPlan &plan, xapi::Client &client, ExportGuard &guard, RecordHandoff &records,
               ExportProgress &progress);
    PageReader(const PageReader &) = delete;  // its record sinks point at it
    PageReader &operator=(const PageReader &) = delete;

    // `steady_count`: the count must not change from page to page ($skip paging).
    // `started`: the page's request, sent ahead by send_ahead.
    Answer read(const std::string &url, bool steady_count = false, xapi::SentAhead started = {});

    // Sends the page's request on connection `slot` without waiting (Client::start_collection).
    xapi::SentAhead send_ahead(const std::string &url, size_t slot);

private:
    void check(const xapi::PageInfo &page, bool steady_count);

    const PagingPlan &plan_;
    xapi::Client &client_;
    ExportGuard &guard_;
    RecordHandoff &records_;
    ExportProgress &progress_;
    xapi::RecordSink on_record_;
    std::function<void(int64_t)> on_count_;
};

}  // namespace threecx::paging
