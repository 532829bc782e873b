// How hard a node tries with each XAPI request: the retry policy and the limits, read from
// the options both nodes share (maxTries, retryDelayMs, retryMaxDelayMs, retryBudgetS,
// requestTimeoutS). Absent options keep the defaults below, which the schemas state too.
#pragma once

#include <rapidjson/document.h>
#include <wfplugin/retry.hpp>

#include <chrono>

namespace threecx::xapi {

struct RequestOptions {
    wfplugin::http::RetryPolicy retry{};              // 4 tries, 500 ms doubling, 30 s cap, 120 s budget
    std::chrono::milliseconds deadline{300'000};     // one request, its whole answer read
};

// From a node's validated "options" object (nullptr: all defaults).
RequestOptions request_options(const rapidjson::Value *options);

}  // namespace threecx::xapi
