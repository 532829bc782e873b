// The retry policy of the HTTP layer (wfplugin/retry.hpp), on its own: which failures are
// tried again for a read and for a write, what is thrown when no try is left, how long each
// wait is, the budget, cancellation during a wait, and the one table of retryable statuses.
// Time is a ManualClock: the waits are measured, never slept.
#include "manual_clock.hpp"

#include <doctest/doctest.h>
#include <wfplugin/retry.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
namespace http = wfplugin::http;
using Kind = http::TransportError::Kind;

namespace {

// Runs with_retries over `failures` (one per try; a try past them succeeds) and records what
// happened: the tries made, the waits announced, the time that passed on the clock.
struct Run {
    http::RetryPolicy policy;
    bool idempotent = true;
    std::vector<std::function<void()>> failures;
    int tries = 0;
    std::vector<http::Millis> waits;
    testsupport::ManualClock clock;
    std::function<void()> poll;

    int operator()() {
        return http::with_retries(
            policy, idempotent, poll, [&](const std::string &, http::Millis wait) { waits.push_back(wait); },
            [&] {
                const size_t at = static_cast<size_t>(tries++);
                if (at < failures.size()) failures[at]();
                return 42;
            },
            clock);
    }
};

std::function<void()> transport(Kind kind) {
    return [kind] { throw http::TransportError(kind, "transport failure"); };
}

std::function<void()> retryable(bool server_did_not_act, std::optional<http::Millis> retry_after = std::nullopt,
                                const std::string &message = "the answer was unusable") {
    return [=] {
        throw http::RetryableFailure{std::make_exception_ptr(std::runtime_error(message)), server_did_not_act, retry_after,
                                     "unusable"};
    };
}

}  // namespace

TEST_CASE("a read is tried again after a lost connection, a timeout or a cut transfer, and the try that works is returned") {
    Run run;
    run.policy.max_tries = 4;
    run.failures = {transport(Kind::connect), transport(Kind::timeout), transport(Kind::transfer)};
    CHECK(run() == 42);
    CHECK(run.tries == 4);
    CHECK(run.waits.size() == 3);
}

TEST_CASE("a write is tried again only when the server cannot have acted on it") {
    struct Row {
        const char *failure;
        std::function<void()> fail;
        int tries;  // with max_tries 2: 2 when retried, 1 when not
    };
    for (const Row &row : std::vector<Row>{
             {"connection refused: nothing was sent", transport(Kind::connect), 2},
             {"a timeout: the server may have acted", transport(Kind::timeout), 1},
             {"a transfer cut short: the server may have acted", transport(Kind::transfer), 1},
             {"a failure the server did not act on (429, 503, before the request left)", retryable(true), 2},
             {"a failure it may have acted on (502, 504, a cut answer)", retryable(false), 1},
         }) {
        CAPTURE(row.failure);
        Run run;
        run.policy.max_tries = 2;
        run.idempotent = false;
        run.failures = {row.fail};
        if (row.tries == 2) CHECK(run() == 42);
        else CHECK_THROWS(run());
        CHECK(run.tries == row.tries);
    }
}

TEST_CASE("failures no new try can mend are thrown at once, as they were") {
    for (Kind kind : {Kind::tls, Kind::tls_verify, Kind::too_large, Kind::refused, Kind::request_too_long, Kind::internal}) {
        CAPTURE(static_cast<int>(kind));
        Run run;
        run.failures = {transport(kind)};
        try {
            run();
            FAIL("no failure");
        } catch (const http::TransportError &e) {
            CHECK(e.kind == kind);
        }
        CHECK(run.tries == 1);
        CHECK(run.waits.empty());
    }
}

TEST_CASE("when the tries run out, the last failure is thrown as the caller made it") {
    Run run;
    run.policy.max_tries = 3;
    run.failures = {retryable(true, std::nullopt, "first"), retryable(true, std::nullopt, "second"),
                    retryable(true, std::nullopt, "third"), retryable(true, std::nullopt, "never tried")};
    CHECK_THROWS_WITH_AS(run(), "third", std::runtime_error);
    CHECK(run.tries == 3);
    CHECK(run.waits.size() == 2);
}

TEST_CASE("a server's Retry-After is the wait, capped at the policy's longest wait") {
    Run run;
    run.policy.max_delay = 5s;
    run.failures = {retryable(true, 2500ms), retryable(true, 60s), retryable(true, 0ms)};
    CHECK(run() == 42);
    CHECK(run.waits == std::vector<http::Millis>{2500ms, 5000ms, 0ms});
    CHECK(run.clock.elapsed() == 7500ms);  // each announced wait is waited
}

TEST_CASE("without Retry-After the waits are full jitter: random, up to base times 2 to the try, capped") {
    const std::vector<http::Millis> ceilings{100ms, 200ms, 400ms, 450ms, 450ms};
    std::vector<http::Millis> longest(ceilings.size(), 0ms);
    for (int run_no = 0; run_no < 200; ++run_no) {
        Run run;
        run.policy.max_tries = 6;
        run.policy.base_delay = 100ms;
        run.policy.max_delay = 450ms;
        run.failures.assign(5, transport(Kind::transfer));
        CHECK(run() == 42);
        REQUIRE(run.waits.size() == ceilings.size());
        for (size_t i = 0; i < ceilings.size(); ++i) {
            CHECK(run.waits[i] <= ceilings[i]);
            longest[i] = std::max(longest[i], run.waits[i]);
        }
    }
    // Random, not fixed at nothing: over 200 runs each wait reaches past half its ceiling.
    for (size_t i = 0; i < ceilings.size(); ++i) CHECK(longest[i] > ceilings[i] / 2);
}

TEST_CASE("the budget ends the tries: a wait that would pass it is not taken") {
    Run run;
    run.policy.max_tries = 10;
    run.policy.budget = 1000ms;
    run.failures.assign(9, retryable(true, 400ms));
    CHECK_THROWS_AS(run(), std::runtime_error);
    // Tries at 0 and 400 ms wait 400 ms each; the try at 800 ms would end past 1000 ms.
    CHECK(run.tries == 3);
    CHECK(run.clock.elapsed() == 800ms);
}

TEST_CASE("cancellation is polled during a wait, at least every 100 ms, and ends it") {
    Run run;
    run.failures = {retryable(true, 1000ms)};
    int polls = 0;
    run.poll = [&] { ++polls; };
    CHECK(run() == 42);
    CHECK(polls >= 10);

    Run cancelled;
    cancelled.failures = {retryable(true, 1000ms)};
    cancelled.poll = [&] {
        if (cancelled.clock.elapsed() >= 300ms) throw std::logic_error("cancelled");
    };
    CHECK_THROWS_WITH_AS(cancelled(), "cancelled", std::logic_error);
    CHECK(cancelled.tries == 1);
    CHECK(cancelled.clock.elapsed() < 400ms);
}

TEST_CASE("one table of retryable statuses: 429 and 503 before processing, 502 and 504 maybe processed, no other") {
    using http::RetryKind;
    CHECK(http::retry_kind(429) == RetryKind::before_processing);
    CHECK(http::retry_kind(503) == RetryKind::before_processing);
    CHECK(http::retry_kind(502) == RetryKind::maybe_processed);
    CHECK(http::retry_kind(504) == RetryKind::maybe_processed);
    for (long status : {200L, 204L, 400L, 401L, 403L, 404L, 409L, 500L, 501L})
        CHECK(http::retry_kind(status) == RetryKind::never);

    // What an answer's error is thrown as.
    const std::runtime_error error("HTTP 503 ServiceUnavailable");
    try {
        http::throw_status_error(503, 2000ms, error);
        FAIL("not thrown");
    } catch (const http::RetryableFailure &f) {
        CHECK(f.server_did_not_act);
        CHECK(f.retry_after == 2000ms);
        CHECK(f.why == "HTTP 503");
        CHECK_THROWS_WITH(std::rethrow_exception(f.error), "HTTP 503 ServiceUnavailable");
    }
    try {
        http::throw_status_error(502, std::nullopt, error);
        FAIL("not thrown");
    } catch (const http::RetryableFailure &f) {
        CHECK_FALSE(f.server_did_not_act);
    }
    CHECK_THROWS_WITH_AS(http::throw_status_error(404, std::nullopt, error), "HTTP 503 ServiceUnavailable", std::runtime_error);
}
