#include "xapi/request_options.hpp"

#include <wfplugin/json.hpp>

namespace threecx::xapi {

RequestOptions request_options(const rapidjson::Value *options) {
    RequestOptions o;
    if (!options) return o;
    auto number = [&](const char *name, auto &field, auto unit) {
        if (const auto *v = wfplugin::json::find(*options, name)) field = unit(v->GetInt64());
    };
    using namespace std::chrono;
    if (const auto *v = wfplugin::json::find(*options, "maxTries")) o.retry.max_tries = static_cast<int>(v->GetInt64());
    number("retryDelayMs", o.retry.base_delay, [](int64_t n) { return milliseconds(n); });
    number("retryMaxDelayMs", o.retry.max_delay, [](int64_t n) { return milliseconds(n); });
    number("retryBudgetS", o.retry.budget, [](int64_t n) { return duration_cast<milliseconds>(seconds(n)); });
    number("requestTimeoutS", o.deadline, [](int64_t n) { return duration_cast<milliseconds>(seconds(n)); });
    return o;
}

}  // namespace threecx::xapi
