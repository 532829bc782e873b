// Retries for the HTTP layer: which failures are worth a new try, how long to wait (full
// jitter, Retry-After honoured), and how many tries and how much time one request may take.
// An API client wraps each request (and the reading of its answer) in with_retries().
//
// What is retried:
//   - a request that could be sent again without harm (a GET; `idempotent`): on a refused
//     or dropped connection, a timeout, a transfer cut short, and on any failure the client
//     marks retryable (429, 502, 503, 504, an answer cut short or malformed);
//   - any other request (a purge): only when the server cannot have acted on it: the
//     connection was refused (nothing was sent), or the client says so (429 and 503, which a
//     server answers before it processes a request, or a failure before the request left).
#pragma once

#include "wfplugin/http.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

namespace wfplugin::http {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
    int max_tries = 4;             // tries in all, the first included (1: no retry)
    Millis base_delay{500};        // the wait before the second try; doubled for each next one
    Millis max_delay{30'000};      // cap of one wait, a server's Retry-After included
    Millis budget{120'000};        // all tries and waits of one request together
};

// Thrown by an attempt for a failure worth another try. `error` is what the caller reports
// when no try is left.
struct RetryableFailure {
    std::exception_ptr error;
    bool server_did_not_act = false;      // safe even for a request that is not idempotent
    std::optional<Millis> retry_after;    // the server's Retry-After, if it sent one
    std::string why;                      // for the log line: "HTTP 503", "connection reset"
};

// Runs `attempt()` until it returns, a failure is not worth retrying, or the policy's tries
// or budget run out; then the last failure is thrown as it was (a TransportError, or the
// RetryableFailure's error). `poll` runs during waits (cancellation: it may throw), at least
// every 100 ms; `on_retry(why, wait)` is told of each retry.
template <typename Attempt>
auto with_retries(const RetryPolicy &policy, bool idempotent, const std::function<void()> &poll,
                  const std::function<void(const std::string &, Millis)> &on_retry, Attempt &&attempt) {
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    // Not thread_local: a TLS block in a dlopen'ed plugin trips LeakSanitizer's DTLS scan.
    static std::mutex random_mutex;
    static std::minstd_rand random{std::random_device{}()};
    for (int tries = 1;; ++tries) {
        std::optional<Millis> server_wait;
        std::string why;
        std::exception_ptr failure;
        try {
            return attempt();
        } catch (const TransportError &e) {
            using Kind = TransportError::Kind;
            bool retryable = idempotent ? (e.kind == Kind::connect || e.kind == Kind::timeout || e.kind == Kind::transfer)
                                        : e.kind == Kind::connect;  // nothing was sent
            if (!retryable) throw;
            failure = std::current_exception();
            why = e.what();
        } catch (const RetryableFailure &f) {
            if (!idempotent && !f.server_did_not_act) std::rethrow_exception(f.error);
            failure = f.error;
            server_wait = f.retry_after;
            why = f.why;
        }
        // Full jitter: a random wait up to base * 2^(tries-1), capped; a server's Retry-After wins.
        const auto ceiling = std::min<Millis::rep>(policy.max_delay.count(), policy.base_delay.count() << std::min(tries - 1, 20));
        Millis wait = server_wait ? std::min(*server_wait, policy.max_delay) : Millis(0);
        if (!server_wait) {
            std::lock_guard lock(random_mutex);
            wait = Millis(std::uniform_int_distribution<Millis::rep>(0, std::max<Millis::rep>(ceiling, 0))(random));
        }
        if (tries >= policy.max_tries || Clock::now() - started + wait > policy.budget) std::rethrow_exception(failure);
        if (on_retry) on_retry(why, wait);
        for (auto until = Clock::now() + wait; Clock::now() < until;) {
            if (poll) poll();
            std::this_thread::sleep_for(std::min<Clock::duration>(Millis(100), until - Clock::now()));
        }
    }
}

}  // namespace wfplugin::http
