// The pagers: one way to read an export's pages per strategy, all given the same parts and
// each reading until the export is complete (or throwing NodeError saying why it is not).
//
// Under Return All a short page is no proof of the end: a server may cap its answers below
// the $top asked, with or without a next link. Its pagers end only on proof: an empty page
// (nothing past what was handed on), or every record @odata.count promised handed on.
// Without a count that costs one request more per export than ending at the first short
// page did.
#pragma once

#include "paging/export_guard.hpp"
#include "paging/export_progress.hpp"
#include "paging/page_reader.hpp"
#include "paging/paging_plan.hpp"
#include "paging/record_handoff.hpp"

#include <wfplugin/execution_context.hpp>

namespace threecx::paging {

// What every pager reads with, made once per export.
struct Paging {
    const PagingPlan &plan;
    PageReader &pages;         // a page and its next links
    RecordHandoff &records;    // what is handed on, and the boundary instant
    ExportGuard &guard;        // what the server promised
    ExportProgress &progress;  // where it is, for the error that ends it
    wfplugin::ExecutionContext &ctx;  // asked between pages whether the host cancelled
};

// One page as the user asked for it ($top and $skip as given), and its next links.
void page_once(const Paging &p);

// Return All in TimeSent order ("keyset"), each page from the last instant handed on: a
// record purged or added while the export runs shifts no later page.
void page_by_time(const Paging &p);

// Return All by $skip/$top, pages of pageSize, with pages sent ahead for concurrency above 1.
void page_by_skip(const Paging &p);

}  // namespace threecx::paging
