// What keeps an export honest against a server that loops, repeats itself, or promises more
// than it sends: each check ends the item with an error naming what the server did.
#pragma once

#include <wfcommon/fnv1a.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace threecx::paging {

class ExportGuard {
public:
    // A next link repeated within one page's chain of links is a loop. Across pages it is
    // not: two different requests can end in the same remainder (the same $skip and $top).
    void page_started() { links_.clear(); }
    void next_link(const std::string &link);

    // A `fresh` record (not one of the boundary instant's, asked for again by paging by
    // TimeSent) goes into the page's fingerprint and counts towards what @odata.count
    // promised. The records asked for again are the paging's own overlap, not the server's
    // repeat: a last page of nothing but them is the proof of the end, never "the same page".
    void record(std::string_view json, bool fresh);

    // With $skip paging, a count that changes between pages means records moved under the
    // pages: some may have been skipped or repeated. That ends the export, never silently.
    void same_count(std::optional<int64_t> count) const;

    // At the end of each page (each request): a page of records the server sent before means
    // it ignores $skip or the next page link; with $count, no more records than it promised
    // (a page of `page_size` over it allowed: records added since the count).
    void page_done(std::optional<int64_t> count, uint64_t page_size);

    // The export ended on the server's word (a page with nothing new): it must have handed on
    // what it counted (@odata.count counts from the start, before `skipped`).
    void finished(uint64_t handed_on, uint64_t skipped) const;

    // The first @odata.count the server sent.
    std::optional<int64_t> promised() const { return promised_; }

private:
    std::set<std::string> links_;
    std::set<std::pair<uint64_t, uint64_t>> pages_;  // (fingerprint, records) of every page
    uint64_t hash_ = wfcommon::fnv1a::offset_basis, page_records_ = 0, received_ = 0;
    std::optional<int64_t> promised_;
};

}  // namespace threecx::paging
