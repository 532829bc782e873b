// Retries for the HTTP layer: which failures are worth a new try, how long to wait (full
// jitter, Retry-After honoured), and how many tries and how much time one request may take.
// An API client wraps each request (and the reading of its answer) in with_retries().
//
// What is retried:
//   - a request that could be sent again without harm (a GET; `idempotent`): on a refused
//     or dropped connection, a timeout, a transfer cut short, and on any failure the client
//     marks retryable (a status of the table below, an answer cut short or malformed);
//   - any other request (a purge): only when the server cannot have acted on it: the
//     connection was refused (nothing was sent), or the client says so (a status the table
//     says is answered before processing, or a failure before the request left).
#pragma once

#include "wfplugin/clock.hpp"
#include "wfplugin/http.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>

namespace wfplugin::http {

using Millis = std::chrono::milliseconds;

struct RetryPolicy {
    int max_tries = 4;             // tries in all, the first included (1: no retry)
    Millis base_delay{500};        // the wait before the second try; doubled for each next one
    Millis max_delay{30'000};      // cap of one wait, a server's Retry-After included
    Millis budget{120'000};        // all tries and waits of one request together
};

// The one table of HTTP statuses worth another try, for every request of every client.
enum class RetryKind {
    never,
    before_processing,  // 429, 503: a server answers them before it processes a request
    maybe_processed,    // 502, 504: a gateway's, which may have passed the request on
};
constexpr RetryKind retry_kind(long http_status) {
    switch (http_status) {
    case 429:
    case 503: return RetryKind::before_processing;
    case 502:
    case 504: return RetryKind::maybe_processed;
    default: return RetryKind::never;
    }
}

// Throws `error`, the error an answer of `http_status` became: as a RetryableFailure when the
// table says another try may help (with the server's Retry-After), else as it is.
template <typename Error>
[[noreturn]] void throw_status_error(long http_status, std::optional<Millis> retry_after, const Error &error);

// Whether a transport failure is worth another try: for a request that may be sent again, a
// refused or dropped connection, a timeout or a transfer cut short; for any other, only a
// refused connection (nothing was sent).
constexpr bool worth_retrying(TransportError::Kind kind, bool idempotent) {
    using Kind = TransportError::Kind;
    if (kind == Kind::connect) return true;
    return idempotent && (kind == Kind::timeout || kind == Kind::transfer);
}

// Thrown by an attempt for a failure worth another try. `error` is what the caller reports
// when no try is left.
struct RetryableFailure {
    std::exception_ptr error;
    bool server_did_not_act = false;      // safe even for a request that is not idempotent
    std::optional<Millis> retry_after;    // the server's Retry-After, if it sent one
    std::string why;                      // for the log line: "HTTP 503", "connection reset"
};

template <typename Error>
void throw_status_error(long http_status, std::optional<Millis> retry_after, const Error &error) {
    const RetryKind kind = retry_kind(http_status);
    if (kind == RetryKind::never) throw error;
    throw RetryableFailure{std::make_exception_ptr(error), kind == RetryKind::before_processing, retry_after,
                           "HTTP " + std::to_string(http_status)};
}

// Runs `attempt()` until it returns, a failure is not worth retrying, or the policy's tries
// or budget run out; then the last failure is thrown as it was (a TransportError, or the
// RetryableFailure's error). `poll` runs during waits (cancellation: it may throw), at least
// every 100 ms; `on_retry(why, wait)` is told of each retry. Time is read from `clock`.
template <typename Attempt>
auto with_retries(const RetryPolicy &policy, bool idempotent, const std::function<void()> &poll,
                  const std::function<void(const std::string &, Millis)> &on_retry, Attempt &&attempt,
                  const Clock &clock = Clock::system()) {
    const auto started = clock.now();
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
            if (!worth_retrying(e.kind, idempotent)) throw;
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
        if (tries >= policy.max_tries || clock.now() - started + wait > policy.budget) std::rethrow_exception(failure);
        if (on_retry) on_retry(why, wait);
        for (auto until = clock.now() + wait; clock.now() < until;) {
            if (poll) poll();
            clock.sleep_for(std::chrono::ceil<Millis>(std::min<std::chrono::steady_clock::duration>(Millis(100), until - clock.now())));
        }
    }
}

}  // namespace wfplugin::http
