// What an export asks its pager to read: the paging options, and the node's own way of
// turning one page's paging part (PageQuery) into a request URL, whose filter, select and
// other query options the pagers know nothing of.
#pragma once

#include "xapi/request_options.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace threecx::paging {

// The paging part of one request.
struct PageQuery {
    std::optional<uint64_t> top;  // $top, none when absent
    uint64_t skip = 0;            // $skip, none when 0
    bool by_time = false;         // ordered by TimeSent
    std::string since;            // adds "TimeSent ge since" to the filter, when not empty
    bool ask_count = false;       // $count=true, whatever the user asked
};

struct PagingPlan {
    std::optional<uint64_t> top;  // the most records read in all
    uint64_t skip = 0;            // the user's $skip: where reading starts
    uint64_t page_size = 1000;    // records asked for per page
    size_t concurrency = 1;       // pages in flight (paging by $skip)
    xapi::RequestOptions request;
    std::function<std::string(const PageQuery &)> url;
};

}  // namespace threecx::paging
