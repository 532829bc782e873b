// Reads one OData collection page ({"@odata.count": n, "@odata.nextLink": "...",
// "value": [records...]}) as it arrives, in one pass over each byte: a scan finds where each
// record begins and ends, simdjson validates that record in place, and the record's own bytes
// are handed on, never re-written. Memory stays flat: the window holds what one network read
// brought, plus the one record it cut in two. RapidJSON, the plugin's JSON library, reads the
// page around the records (a few hundred bytes); simdjson is used for this hot path alone,
// because RapidJSON's fastest reading is 5x slower here (see BENCHMARKS.md).
#pragma once

#include <wfplugin/http.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace threecx::xapi {

namespace http = wfplugin::http;

struct PageInfo {
    std::optional<int64_t> count;  // @odata.count, when the server sent it
    std::string next_link;         // @odata.nextLink, empty when absent
    uint64_t records = 0;          // records in this page's "value"
};

struct Record {
    std::string_view json;  // the record as the server sent it (one line: line breaks taken out)
    std::string_view key;   // the string value of the top-level member `key_member`, or empty
};

using RecordSink = std::function<void(const Record &record)>;

struct CollectionLimits {
    static constexpr int max_record_depth = 64;             // nesting inside one record
    static constexpr size_t max_record_bytes = 16u << 20;   // one record's JSON
    static constexpr size_t max_envelope_bytes = 1u << 20;  // the page without its records
};

// `on_count` runs as soon as @odata.count is read (before the records when the server sends
// it first, as OData requires). `key_member` names the member each Record reports (the
// paging key, "TimeSent"). Throws NodeError(API) on a body that is not such a page, wrapped in
// RetryableFailure when the body is not valid JSON (cut short or garbled on the way).
PageInfo read_collection(http::Exchange &body, const RecordSink &on_record,
                         const std::function<void(int64_t)> &on_count, const std::string &what,
                         std::string_view key_member = {});

}  // namespace threecx::xapi
