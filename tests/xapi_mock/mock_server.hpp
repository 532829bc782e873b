// A mock XAPI driven by 3CX's description (its facts, schemas/xapi/operations.json): every
// operation answered with a body valid for its shape (entity_set.hpp), behind the usual token
// endpoint (tests/emulator's TokenIssuer), each request counted per operation and recorded as
// it came (method, target, If-Match, Content-Type, body) with what it was answered. Tests read
// it back through /admin/...:
//   GET  /admin/counters    {"requests","tokenRequests","unauthorised","unmatched"}
//   GET  /admin/operations  {"<operationId>": requests, ...}
//   GET  /admin/requests    one "METHOD target" line per request, oldest first
//   GET  /admin/received?from=N  the records from the Nth on, as a JSON array
#pragma once

#include "entity_set.hpp"
#include "operation_table.hpp"
#include "token_issuer.hpp"

#include <httplib.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace xapimock {

struct Config {
    std::string facts_path;
    std::string client_id = "demo-client";
    std::string client_secret = "demo-secret";
    int token_lifetime_s = 3600;
    Paging paging;
};

// One request as the mock received it, and its answer.
struct Received {
    std::string operation;  // empty: no operation of the facts
    std::string method, target;
    std::optional<std::string> if_match, content_type;
    std::string body;
    int status = 0;
    std::string answer;
};

class MockServer {
public:
    explicit MockServer(Config config);
    void attach(httplib::Server &server);

private:
    void xapi(const httplib::Request &, httplib::Response &);
    void answer(const Operation &, const httplib::Request &, httplib::Response &);
    void admin(const httplib::Request &, httplib::Response &);

    Config config_;
    OperationTable operations_;
    emulator::TokenIssuer tokens_;

    std::mutex mutex_;  // guards everything below
    std::vector<Received> received_;
    std::map<std::string, uint64_t> per_operation_;
    uint64_t token_requests_ = 0, unauthorised_ = 0, unmatched_ = 0, collection_answers_ = 0;
};

}  // namespace xapimock
