// The entities a collection operation answers with, and one page of them as ASP.NET OData
// writes it: {"@odata.context", "@odata.count" (asked with $count=true), "value": [...],
// "@odata.nextLink" (the page cut by the server's page size)}.
//
// The facts file keeps no response schemas, only each operation's shape, so the entities are
// the smallest valid for any entity type: an object holding its key (see EntityKey), the key
// values 1..size written as the key's type, so that distinct entities differ and an order by
// the key is the order they were made in. $filter, $search, $select and $expand are recorded
// (mock_server.hpp) but not applied: with no property known but the key, there is nothing to
// filter, search, select or expand by.
#pragma once

#include "operation_table.hpp"

#include <httplib.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xapimock {

// The entity set's size and how the server pages it.
struct Paging {
    size_t entities = 7;  // in every collection
    size_t page_cap = 0;  // at most this many per answer, the rest behind a next link (0: none)
    // Without $orderby, every answer orders the entities anew (as a database does without an
    // ORDER BY): a client paging by $skip without an order of its own misses and repeats some.
    bool unstable_order = false;
};

struct OData400 {
    std::string message;
};

// The entities of `op`, each as JSON, in key order.
std::vector<std::string> entities(const Operation &op, size_t count);

// One page for a GET of `op`; `answer` counts the answers given (it turns an unstable order).
// Throws OData400 for a $top, $skip or $orderby the mock cannot honour.
std::string collection_page(const Operation &op, const httplib::Request &req, const Paging &paging, uint64_t answer);

// The collection an action answers with (no paging: actions take no query options).
std::string action_collection(const Operation &op, const Paging &paging);

// @odata.context as the service writes it.
std::string context(const httplib::Request &req, const std::string &fragment);

}  // namespace xapimock
