// An XAPI emulator faithful to 3CX's published XAPI description (its OpenAPI document): OAuth2
// client credentials with one active token per client, DownloadChatHistory, ChatHistoryView,
// PurgeChats and Defs/TimeZones over deterministic in-memory data, plus fault injection and
// an admin endpoint (/admin/...) that tests read counters from, move the simulated clock
// with, add chats through and read the purge log from.
#pragma once

#include "token_issuer.hpp"
#include "weblinks.hpp"

#include "history.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>

namespace emulator {

// Server-driven paging, each way an OData server may do it (set at start or by POST
// /admin/paging). `page_cap`: at most this many records per answer (0: as many as asked).
// `next_link`: how a capped answer says where the rest is: by $skip (as ASP.NET OData does),
// by an opaque $skiptoken, or not at all.
struct Paging {
    size_t page_cap = 0;
    enum class NextLink { skip, skiptoken, none } next_link = NextLink::skip;
    bool counts = true;  // false: $count=true is ignored (no @odata.count)
};

struct Config {
    std::string client_id = "demo-client";
    std::string client_secret = "demo-secret";
    int token_lifetime_s = 3600;
    Paging paging;
    size_t same_instant = 1;  // every run of this many chats shares one TimeSent (clusters)
    size_t chats = 10000;
    uint64_t seed = 3;
    TimePoint data_end{};
    std::chrono::days data_span = default_data_span;  // the generated chats' TimeSent span, ending at data_end
    std::optional<TimePoint> clock;                    // the simulated now at start (unset: data_end)
    double late_fraction = 0;                          // this share of the chats arrives late,
    int64_t late_max_s = 0;                            // up to this many seconds after its TimeSent
    bool compress = true;  // gzip answers for clients that accept it
    // Collection answers escape every non-ASCII character, as a real 3CX's OData writer does
    // (escape_non_ascii.hpp); off: raw UTF-8.
    bool escape_non_ascii = false;
    // Where the PBX's paths start, as behind a reverse proxy ("/pbx": "/pbx/connect/token");
    // letters, digits, '_', '-' and '/' only. /admin/ stays at the root.
    std::string path_prefix;
};

// Each counter is the number of upcoming XAPI requests that get that fault.
struct Faults {
    int latency_ms = 0;       // added to every XAPI request
    int status_429 = 0;       // 429 Too Many Requests with Retry-After: 1
    int status_503 = 0;       // 503 Service Unavailable
    int reset_mid_body = 0;   // half of the body, then the connection is closed
    int malformed_json = 0;   // 200 with a truncated JSON body
    int html_error = 0;       // 502 with an HTML page, as a proxy answers
    int echo = 0;             // 400 whose error message repeats the request's Authorization header
    int status_429_bare = 0;  // 429 without Retry-After
    int status_502 = 0;       // 502 Bad Gateway with an OData body
    int status_504 = 0;       // 504 Gateway Timeout with an OData body
    int stall = 0;            // half of the body, then nothing until the client gives up
    // Every Nth collection request (0: never) gets the next fault of a fixed rotation: 429,
    // 503, 502, 504, a reset mid-body, malformed JSON, an HTML 502, a stall. Deterministic.
    int chaos_every = 0;
    // The counted faults above wait until this many more XAPI requests were answered: a fault
    // that strikes in the middle of an export, after its first pages.
    int faults_after = 0;
    // A server that misbehaves on every page: all modes stay on until turned off.
    bool next_link_cycle = false;  // with --page-cap: each next link points back at itself
    bool ignore_skip = false;      // $skip is ignored: every page starts at the first record
    int count_excess = 0;          // @odata.count claims this many records more than exist
    bool bad_records = false;      // "value" holds a number among the records
    bool echo_in_records = false;  // the first two records hold the token and the client secret, \u-escaped, and the token after \/
    bool trickle = false;          // the body at about one byte per 100 ms
    bool gzip_bomb = false;        // a gzip body that inflates to 1.5 GiB of JSON whitespace
    bool huge_record = false;      // the first record carries a 20 MiB message
    bool huge_token_answer = false;  // the token endpoint answers 1 MiB of JSON (a valid token at its end)
    // Defs/TimeZones gone wrong (each stays on until turned off):
    int time_zone_pages_forever = 0;  // N > 0: every page holds N real zones and links to a new next page
    bool time_zone_escapes = false;   // real zones whose display names hold ESC, C1, newline, bidi controls
    bool time_zone_invalid = false;   // zone names no node accepts ("Mars/Olympus_Mons", "../../etc/passwd"...) among real ones
};

class Emulator {
public:
    explicit Emulator(Config config);
    // Routes are registered on `server` (plain or TLS).
    void attach(httplib::Server &server, bool tls);
    Faults &faults() { return faults_; }

private:
    void token(const httplib::Request &, httplib::Response &);
    bool authorised(const httplib::Request &, httplib::Response &);
    // What goes wrong with a collection's body: nothing, or it is cut, garbled, or stalls.
    enum class BodyFault { none, reset, malformed, stall };
    // Answers with a fault (and returns true), or returns false; for a collection, `body`
    // receives the fault its body must carry.
    bool inject_fault(const httplib::Request &, httplib::Response &, BodyFault *body = nullptr);
    void collection(const httplib::Request &, httplib::Response &, const std::string *zone);
    void purge(const httplib::Request &, httplib::Response &);
    void time_zones(const httplib::Request &, httplib::Response &);
    void admin(const httplib::Request &, httplib::Response &);
    // /admin/clock, /admin/chats and /admin/purges (history_admin.cpp).
    void history_admin(const httplib::Request &, httplib::Response &);

    Config config_;
    bool tls_ = false;
    std::shared_mutex data_mutex_;  // guards history_
    History history_;
    Weblinks weblinks_;  // the generic 3CX node's entities (weblinks.hpp)
    TokenIssuer tokens_;

    std::mutex mutex_;  // guards everything below
    Faults faults_;
    Paging paging_;
    std::set<std::string> connections_;
    std::vector<std::string> recent_targets_;
    std::map<std::string, uint64_t> counters_;
    long long chaos_counter_ = 0;  // collection requests seen, for Faults::chaos_every
    int chaos_turn_ = 0;           // the next fault of the rotation
};

// A self-signed certificate for "localhost" / 127.0.0.1, made in memory at start-up.
struct SelfSigned {
    X509 *cert;
    EVP_PKEY *key;
};
SelfSigned make_self_signed();

}  // namespace emulator
