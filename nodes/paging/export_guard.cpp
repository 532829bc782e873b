#include "paging/export_guard.hpp"

#include <fmt/format.h>
#include <wfcommon/lane_hash.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>


namespace threecx::paging {

using wfplugin::NodeError;

void ExportGuard::next_link(const std::string &link) {
    if (!links_.insert(link).second)
        throw NodeError(WFNODE_ERR_API, fmt::format("the server sent a next page link it had sent before ({}): a "
                                                    "loop; stopped", wfplugin::json::excerpt(link, 120)), {}, 200);
}

void ExportGuard::record(std::string_view json, bool fresh) {
    if (!fresh) return;
    // Every byte: records of one conversation can share their first and last bytes.
    hash_ = wfcommon::fnv1a::fold(hash_, wfcommon::lane_hash::hash(json));
    ++page_records_;
}

void ExportGuard::same_count(std::optional<int64_t> count) const {
    if (count && promised_ && *count != *promised_)
        throw NodeError(WFNODE_ERR_API,
                        fmt::format("the data changed during the export (@odata.count went from {} to {}): paged by "
                                    "$skip, records may have been skipped or repeated; run it again, or let it page "
                                    "by TimeSent (no orderby, no skip, a select that keeps TimeSent)",
                                    *promised_, *count),
                        {}, 200);
}

void ExportGuard::page_done(std::optional<int64_t> count, uint64_t page_size) {
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

void ExportGuard::finished(uint64_t handed_on, uint64_t skipped) const {
    if (promised_ && handed_on + skipped < static_cast<uint64_t>(*promised_))
        throw NodeError(WFNODE_ERR_API,
                        fmt::format("the server promised {} records (@odata.count) and sent {}", *promised_,
                                    handed_on + skipped), {}, 200);
}

}  // namespace threecx::paging
