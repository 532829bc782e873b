// The plugin's one HTTP layer (libcurl). Everything that is about moving bytes lives here:
// connection reuse, TLS, timeouts, cancellation, streaming bodies and several requests in
// flight at once; when to try again is wfplugin/retry.hpp. It knows no API, no credential
// and no node: failures are http::TransportError, which the API client turns into its errors.
//
// Connections: a pool of connection sets per origin (scheme://host:port + TLS mode). An
// execution leases one set for its whole run, so all its requests (the token request
// included) share one keep-alive connection; the set goes back to the pool afterwards, so
// the next execution, on any thread, reuses the connection too. A request and its answer are
// an Exchange: made on a lease, then sent by an explicit call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct curl_slist;

namespace wfplugin::http {

// A request that got no complete answer: no connection, TLS refused, a timeout, a transfer
// cut short. `message` says what failed and where (the origin, never a path or query).
struct TransportError : std::runtime_error {
    // connect: no connection, so nothing was sent; timeout: the deadline or the low-speed
    // limit hit; transfer: the connection dropped or the answer was cut short; too_large: the
    // answer passed Request::max_body_bytes (decompressed); refused: the lease's SendPolicy
    // forbids the request, so it was not sent (a dry run's write); request_too_long: the
    // request line passes max_request_line, so it was not sent.
    enum class Kind { connect, tls, tls_verify, timeout, transfer, too_large, refused, request_too_long, internal };
    TransportError(Kind kind, const std::string &message) : std::runtime_error(message), kind(kind) {}
    Kind kind;
};

struct Request {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;                  // sent when non-empty or when method is POST
    bool verify_tls = true;
    std::string user_agent = "wfplugin";  // the API client names itself
    // Limits against a slow or hostile server: the whole request (connection, answer and
    // body read) within `deadline`; below `low_speed_bytes` per second for `low_speed_time`
    // is a timeout too; an answer growing past `max_body_bytes` once decompressed (a gzip
    // bomb) is refused.
    std::chrono::milliseconds deadline{300'000};
    long low_speed_bytes = 1024;
    std::chrono::seconds low_speed_time{30};
    uint64_t max_body_bytes = 256ull << 20;
};

// What a lease may send, fixed when it is made. With `reads_only`, only GET and HEAD leave,
// plus POSTs to exactly the URLs in `allowed_posts` (an OAuth token endpoint); any other
// request throws TransportError(refused) before a byte is sent. A dry run's lease is made so.
struct SendPolicy {
    bool reads_only = false;
    std::vector<std::string> allowed_posts;
};

class Connections;  // a pooled curl multi handle with its slots; defined in http.cpp
struct Slot;        // one curl easy handle of Connections: one exchange at a time runs in it

// A leased set of connections to one origin; returns to the pool when destroyed.
class Lease {
public:
    explicit Lease(const std::string &origin, bool verify_tls, SendPolicy policy = {});
    ~Lease();
    Lease(const Lease &) = delete;
    Lease &operator=(const Lease &) = delete;
    Connections &connections() { return *connections_; }
    // Throws TransportError when `request` cannot be sent on this lease: refused when the
    // policy forbids it, request_too_long past max_request_line. Every Exchange checks it;
    // a caller may check earlier (before fetching a token for it).
    void check_sendable(const Request &request) const;

    // Exchanges in flight at once on one lease, each in its own slot and on its own
    // connection: one for everything else (slot 0), eight for pages in flight.
    static constexpr size_t max_slots = 9;

private:
    std::string key_;
    const SendPolicy policy_;
    std::unique_ptr<Connections> connections_;
};

// One request and its answer, in one slot of a lease. Made without sending anything; start()
// sends the request. The body is read on demand (pull), so a caller can parse a page of any
// size with bounded memory: it arrives in one contiguous window that the reader parses in
// place, consumes, and asks to grow.
//
// Several exchanges can be in flight on one lease, each in its own `slot` (0 to
// Lease::max_slots - 1): all of them progress while any one is read.
class Exchange {
public:
    // `poll` runs between network waits and may throw to abandon the exchange (cancellation).
    Exchange(Lease &lease, std::function<void()> poll, size_t slot = 0);
    ~Exchange();
    Exchange(const Exchange &) = delete;
    Exchange &operator=(const Exchange &) = delete;

    // Sends `request` and returns at once (once per exchange): the answer arrives while other
    // exchanges of the lease are read. Throws TransportError when the lease cannot send it.
    void start(const Request &request);
    // Waits for the answer's status line; call it before reading anything else.
    void wait_for_answer();
    // start() and wait_for_answer().
    void send(const Request &request) {
        start(request);
        wait_for_answer();
    }

    long status() const { return status_; }
    const std::string &content_type() const { return content_type_; }
    // The Retry-After header as a wait from now (seconds, or an HTTP date), if sent.
    std::optional<std::chrono::milliseconds> retry_after() const { return retry_after_; }
    uint64_t bytes_received() const { return bytes_; }

    // An error body is kept up to this size; the rest is read and dropped.
    static constexpr size_t error_body_cap = 64 * 1024;

    // Reads the rest of the body, keeping at most `cap` bytes.
    std::string read_all(size_t cap);

    // The body bytes that arrived and are not consumed yet, contiguous. Valid until the next
    // read_more() or pad(). Followed by at least the capacity pad() asked for.
    std::string_view window() const { return {buffer_.data() + pos_, buffer_.size() - pos_}; }
    // Drops the first `n` bytes of the window.
    void consume(size_t n) { pos_ += n; }
    // Appends what arrives next to the window (the consumed bytes are dropped first, so a
    // piece left unconsumed, such as a record cut by a network read, stays whole). False at
    // the end of the body; throws TransportError when the transfer failed.
    bool read_more();
    // Keeps `n` bytes of capacity after the window's end, for parsers that read ahead of
    // their input in blocks (simdjson reads up to 64 bytes past it, never using them).
    void pad(size_t n);
    // Bytes consumed since the body began: where the window starts in the body.
    uint64_t consumed() const { return dropped_ + pos_; }

    // Body bytes held at most before the transfer pauses for the reader.
    static constexpr size_t max_buffered = 256 * 1024;
    // A reader that asks for more while it holds more than max_buffered (one record larger
    // than that) may take in as much again as it holds (from grow_mark_), up to this much a time.
    static constexpr size_t max_growth = 4u << 20;

private:
    friend size_t on_body(char *data, size_t size, size_t n, void *self);
    void pump_once(bool wait = true);
    void throw_if_failed();
    void release();          // takes the slot's easy handle out of the multi; idempotent

    const Lease &lease_;
    Connections &connections_;
    Slot &slot_;
    std::function<void()> poll_;
    std::string origin_;
    std::string &buffer_;     // the slot's: its capacity serves the next exchange too
    size_t pos_ = 0;          // consumed bytes at the front of buffer_
    uint64_t dropped_ = 0;    // consumed bytes no longer in buffer_
    size_t grow_mark_ = 0;    // buffer_'s size when the reader last asked for more
    uint64_t bytes_ = 0;
    long status_ = 0;
    std::string content_type_;
    std::optional<std::chrono::milliseconds> retry_after_;
    uint64_t max_body_bytes_ = 0;
    bool too_large_ = false;
    bool done_ = false;
    bool paused_ = false;
    bool draining_ = false;  // inside curl_easy_pause(CONT): libcurl hands back what it held
    bool started_ = false;
    bool attached_ = false;  // the easy handle is in the multi
    int curl_result_ = 0;
    ::curl_slist *header_list_ = nullptr;
};

// The longest request line ("GET /path?query HTTP/1.1") sent: 8 KiB is the default limit of
// nginx (large_client_header_buffers) and of ASP.NET Core's Kestrel (MaxRequestLineSize),
// the web servers in front of 3CX's XAPI; a longer one would be refused (414) or cut. A
// longer request is refused before sending, so the caller can say which input made it long.
inline constexpr size_t max_request_line = 8192;
// The request line `request` would send, in bytes.
size_t request_line_size(const Request &request);

// Percent-encodes every byte outside RFC 3986's unreserved set (curl_easy_escape).
std::string percent_encode(std::string_view s);

}  // namespace wfplugin::http
