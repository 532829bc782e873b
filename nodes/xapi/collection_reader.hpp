// Reads one OData collection page ({"@odata.count": n, "@odata.nextLink": "...",
// "value": [records...]}) as a stream with RapidJSON's SAX reader: each record is handed on
// as compact JSON the moment its closing brace is parsed, so a page never sits in memory.
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

using RecordSink = std::function<void(std::string_view record_json)>;

// `on_count` runs as soon as @odata.count is parsed (before the records when the server
// sends it first, as OData requires). Throws NodeError(API) on a body that is not such a page.
PageInfo read_collection(http::Response &body, const RecordSink &on_record,
                         const std::function<void(int64_t)> &on_count, const std::string &what);

}  // namespace threecx::xapi
