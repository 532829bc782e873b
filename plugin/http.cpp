#include "wfplugin/http.hpp"

#include "wfplugin/url.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

namespace wfplugin::http {

// One curl easy handle and the window of the exchange in flight in it (kept, with its
// capacity, for the next exchange).
struct Slot {
    Slot() : easy(curl_easy_init()) {
        if (!easy) throw TransportError(TransportError::Kind::internal, "libcurl could not allocate a handle");
    }
    ~Slot() { curl_easy_cleanup(easy); }
    CURL *easy;
    char error[CURL_ERROR_SIZE]{};
    std::string body;
};

// A curl multi handle with its slots: the multi's connection cache keeps connections alive
// between exchanges, and the exchanges in its slots run at once, each on a connection.
class Connections {
public:
    Connections() : multi(curl_multi_init()) {
        if (!multi) throw TransportError(TransportError::Kind::internal, "libcurl could not allocate a handle");
        // Every slot's connection, plus one for a token request, stays open.
        curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(Lease::max_slots + 2));
    }
    ~Connections() {
        slots.clear();  // easy handles first: the multi still holds their connections
        curl_multi_cleanup(multi);
    }
    Slot &slot(size_t index) {
        if (index >= Lease::max_slots) throw TransportError(TransportError::Kind::internal, "no such exchange slot");
        while (slots.size() <= index) slots.push_back(std::make_unique<Slot>());
        return *slots[index];
    }
    CURLM *multi;
    std::vector<std::unique_ptr<Slot>> slots;
};

namespace {

struct Pool {
    Pool() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~Pool() {
        idle.clear();
        curl_global_cleanup();
    }
    std::mutex mutex;
    std::multimap<std::string, std::unique_ptr<Connections>> idle;
    static constexpr size_t max_idle_per_origin = 8;
};

Pool &pool() {
    static Pool p;
    return p;
}

// Retry-After: a number of seconds, or an HTTP date (read by libcurl's curl_getdate).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
    if (!value.empty() && value.find_first_not_of("0123456789") == std::string_view::npos && value.size() < 10)
        return std::chrono::seconds(std::stol(std::string(value)));
    time_t at = curl_getdate(std::string(value).c_str(), nullptr);
    if (at < 0) return std::nullopt;
    auto wait = std::chrono::system_clock::from_time_t(at) - std::chrono::system_clock::now();
    return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(wait));
}

}  // namespace

size_t on_body(char *data, size_t size, size_t n, void *self) {
    auto *r = static_cast<Exchange *>(self);
    if (r->bytes_ + size * n > r->max_body_bytes_) {
        r->too_large_ = true;
        return 0;  // libcurl ends the transfer with a write error
    }
    // One curl_multi_perform() can read many socket buffers (and gzip multiplies them): past
    // a bound, pause the transfer until the reader has consumed what it has, so memory stays
    // flat. A reader that asked for more (one record larger than the bound) may grow its
    // window by as much as it holds (up to max_growth): a few pauses for a 16 MiB record, not
    // one per piece, since at each libcurl copies what it still holds (quadratic before).
    // What libcurl hands back when resumed is taken whole: it holds it already (decoded: a
    // gzip answer inflates a whole network read at once), and pausing on its pieces again
    // made libcurl copy the rest back at each (a gzip bomb took seconds of memmove).
    if (!r->draining_ && r->buffer_.size() - r->pos_ >= Exchange::max_buffered && r->buffer_.size() >= r->grow_mark_ + std::clamp(r->grow_mark_, size_t{1}, Exchange::max_growth)) {
        r->paused_ = true;
        return CURL_WRITEFUNC_PAUSE;
    }
    r->buffer_.append(data, size * n);
    r->bytes_ += size * n;
    return size * n;
}

std::string percent_encode(std::string_view s) {
    // The handle argument is unused since libcurl 7.82 (Debian 12 ships 7.88).
    char *escaped = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
    if (!escaped) throw std::bad_alloc();
    std::string out(escaped);
    curl_free(escaped);
    return out;
}

Lease::Lease(const std::string &origin, bool verify_tls, SendPolicy policy)
    : key_(origin + (verify_tls ? "" : "#insecure")), policy_(std::move(policy)) {
    auto &p = pool();
    {
        std::lock_guard lock(p.mutex);
        if (auto it = p.idle.find(key_); it != p.idle.end()) {
            connections_ = std::move(it->second);
            p.idle.erase(it);
        }
    }
    if (!connections_) connections_ = std::make_unique<Connections>();
}

Lease::~Lease() {
    auto &p = pool();
    std::lock_guard lock(p.mutex);
    if (p.idle.count(key_) < Pool::max_idle_per_origin) p.idle.emplace(key_, std::move(connections_));
}

size_t request_line_size(const Request &request) {
    auto url = parse_url(request.url);
    const size_t target = url ? url->target().size() : request.url.size();
    return request.method.size() + 1 + target + std::string_view(" HTTP/1.1").size();
}

void Lease::check_sendable(const Request &request) const {
    if (size_t n = request_line_size(request); n > max_request_line)
        throw TransportError(TransportError::Kind::request_too_long,
                             fmt::format("the request line would be {} bytes, more than the {} a server accepts (nginx's "
                                         "and Kestrel's default); not sent",
                                         n, max_request_line));
    if (!policy_.reads_only || request.method == "GET" || request.method == "HEAD") return;
    if (request.method == "POST" &&
        std::find(policy_.allowed_posts.begin(), policy_.allowed_posts.end(), request.url) != policy_.allowed_posts.end())
        return;
    // The path says which operation was held back; the query is left out (it is the user's data).
    auto url = parse_url(request.url);
    const std::string path = url ? url->path.substr(0, 200) : std::string("(a malformed URL)");
    throw TransportError(TransportError::Kind::refused,
                         fmt::format("dry run: {} {} was not sent ({} bytes of body): a dry run sends only reads",
                                     request.method, path, request.body.size()));
}


Exchange::Exchange(Lease &lease, std::function<void()> poll, size_t slot)
    : lease_(lease),
      connections_(lease.connections()),
      slot_(connections_.slot(slot)),
      poll_(std::move(poll)),
      buffer_(slot_.body) {}

void Exchange::start(const Request &request) {
    if (started_) throw TransportError(TransportError::Kind::internal, "an exchange sends one request");
    lease_.check_sendable(request);
    started_ = true;
    max_body_bytes_ = request.max_body_bytes;
    buffer_.clear();
    auto url = parse_url(request.url);
    if (!url) throw TransportError(TransportError::Kind::internal, "not an absolute http(s) URL");
    origin_ = url->origin();
    CURL *e = slot_.easy;
    curl_easy_reset(e);  // keeps live connections, drops the previous request's options
    slot_.error[0] = '\0';
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, slot_.error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, this);  // which exchange a finished transfer is
    curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");  // cheap for the server, decoded by libcurl
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 15000L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request.deadline.count()));
    // A server that trickles is a stalled one: under low_speed_bytes/s for low_speed_time.
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, request.low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, static_cast<long>(request.low_speed_time.count()));
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, request.user_agent.c_str());
    if (!request.verify_tls) {
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    for (const auto &h : request.headers) header_list_ = curl_slist_append(header_list_, h.c_str());
    // No "Expect: 100-continue" round trip on POST bodies.
    header_list_ = curl_slist_append(header_list_, "Expect:");
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list_);
    // A body goes with any method that has one (PATCH and PUT too: a custom method alone would
    // send none, with a Content-Type announcing it); the method's name is then set over POST's.
    if (request.method == "POST" || (request.method != "GET" && !request.body.empty())) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.body.c_str());
    }
    if (request.method != "GET" && request.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    // 128 KiB a network read (libcurl's default is 16 KiB, curl's own tool asks for 100 KiB):
    // a large answer arrives in an eighth of the reads, polls and calls into the reader.
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 128L * 1024);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    if (CURLMcode mc = curl_multi_add_handle(connections_.multi, e); mc != CURLM_OK) {
        release();
        throw TransportError(TransportError::Kind::internal, fmt::format("libcurl: {}", curl_multi_strerror(mc)));
    }
    attached_ = true;
    try {
        pump_once(false);  // sends the request on an open connection, or starts connecting
    } catch (...) {
        release();
        throw;
    }
}

void Exchange::wait_for_answer() {
    if (!started_) throw TransportError(TransportError::Kind::internal, "an exchange waited on before it was started");
    CURL *e = slot_.easy;
    try {
        // Wait until the body starts or the transfer ends: the status is known by then. A
        // failure after some body arrived is reported when the reader gets that far.
        while (buffer_.empty() && !done_) pump_once();
        if (buffer_.empty()) throw_if_failed();
    } catch (...) {
        release();
        throw;
    }
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status_);
    // The last header block's values (after a 100-continue or a redirect), read by libcurl.
    if (char *type = nullptr; curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type) content_type_ = type;
    if (curl_header *h = nullptr; curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h)
        retry_after_ = parse_retry_after(h->value);
}

Exchange::~Exchange() {
    release();
    // One huge record grew the window: do not keep that much for every later request.
    if (buffer_.capacity() > (1u << 20)) std::string().swap(buffer_);
}

void Exchange::release() {
    if (attached_) curl_multi_remove_handle(connections_.multi, slot_.easy);
    attached_ = false;
    curl_slist_free_all(header_list_);
    header_list_ = nullptr;
}

void Exchange::pump_once(bool wait) {
    if (poll_) poll_();
    int running = 0;
    CURLMcode mc = curl_multi_perform(connections_.multi, &running);
    if (mc != CURLM_OK)
        throw TransportError(TransportError::Kind::internal, fmt::format("libcurl: {}", curl_multi_strerror(mc)));
    int queued = 0;
    while (CURLMsg *msg = curl_multi_info_read(connections_.multi, &queued)) {
        Exchange *finished = nullptr;  // this exchange or another one on the same lease
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &finished);
        if (msg->msg == CURLMSG_DONE && finished) {
            finished->done_ = true;
            finished->curl_result_ = msg->data.result;
        }
    }
    if (!done_ && running == 0)
        throw TransportError(TransportError::Kind::internal,
                             fmt::format("libcurl stopped a transfer to {} without finishing it", origin_));
    if (wait && !done_ && buffer_.size() <= grow_mark_ && running)
        curl_multi_poll(connections_.multi, nullptr, 0, 200, nullptr);  // 200 ms: keeps cancellation responsive
}

void Exchange::throw_if_failed() {
    if (curl_result_ == CURLE_OK) return;
    using Kind = TransportError::Kind;
    if (too_large_)
        throw TransportError(Kind::too_large, fmt::format("the answer of {} grew past {} bytes once decompressed (a compression bomb?); not reading "
                                                          "further", origin_, max_body_bytes_));
    auto code = static_cast<CURLcode>(curl_result_);
    std::string detail = slot_.error[0] ? slot_.error : curl_easy_strerror(code);
    auto [kind, what] = [code]() -> std::pair<Kind, const char *> {
        switch (code) {
        case CURLE_OPERATION_TIMEDOUT: return {Kind::timeout, "timed out talking to"};
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST: return {Kind::connect, "cannot connect to"};
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE: return {Kind::tls_verify, "TLS failed with"};
        case CURLE_SSL_CONNECT_ERROR: return {Kind::tls, "TLS failed with"};
        case CURLE_WRITE_ERROR: return {Kind::internal, "reading the answer failed with"};
        // While the reader is behind, libcurl holds what one network read inflates to; it
        // refuses past its own bound, which only a compression bomb reaches. Before any byte
        // of an answer, it is libcurl's own memory.
        case CURLE_OUT_OF_MEMORY: return {Kind::too_large, "a compression bomb? the answer inflated past what libcurl holds, from"};
        default: return {Kind::transfer, "network error with"};
        }
    }();
    if (code == CURLE_OUT_OF_MEMORY && bytes_ == 0) {
        kind = Kind::internal;
        what = "libcurl ran out of memory before any answer from";
    }
    throw TransportError(kind, fmt::format("{} {}: {}", what, origin_, detail));
}

bool Exchange::read_more() {
    buffer_.erase(0, pos_);
    dropped_ += pos_;
    pos_ = 0;
    grow_mark_ = buffer_.size();
    if (paused_) {
        paused_ = false;
        draining_ = true;
        curl_easy_pause(slot_.easy, CURLPAUSE_CONT);  // may hand over the held data right away
        draining_ = false;
    }
    while (buffer_.size() == grow_mark_ && !done_) pump_once();
    throw_if_failed();
    return buffer_.size() > grow_mark_;
}

void Exchange::pad(size_t n) {
    if (buffer_.capacity() < buffer_.size() + n) buffer_.reserve(buffer_.size() + n);
}

std::string Exchange::read_all(size_t cap) {
    std::string out;
    do {
        auto w = window();
        out.append(w.substr(0, cap - std::min(cap, out.size())));
        consume(w.size());
    } while (read_more());
    return out;
}

}  // namespace wfplugin::http
