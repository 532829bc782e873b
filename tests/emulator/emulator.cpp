#include "emulator.hpp"

#include <zlib.h>

#include "escape_non_ascii.hpp"
#include "next_link.hpp"
#include "odata_error.hpp"
#include "odata_query.hpp"

#include <date/tz.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <numeric>
#include <thread>

namespace emulator {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string param(const httplib::Request &req, const char *name) {
    return req.has_param(name) ? req.get_param_value(name) : std::string();
}

// In the client's zone for DownloadChatHistory; in UTC for ChatHistoryView, which takes no
// zone (what a real PBX renders there is undocumented).
std::string render_time(TimePoint t, const date::time_zone *zone) {
    auto secs = std::chrono::floor<std::chrono::seconds>(t);
    if (!zone) return date::format("%FT%TZ", secs);
    return date::format("%FT%T%Ez", date::make_zoned(zone, secs));
}

void write_chat(Writer &w, const Chat &c, const std::vector<std::string> &select, const date::time_zone *zone) {
    auto want = [&](const char *p) { return select.empty() || std::find(select.begin(), select.end(), p) != select.end(); };
    auto str = [&](const char *key, const std::string &v) {
        if (!want(key)) return;
        w.Key(key);
        w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
    };
    w.StartObject();
    if (want("ConversationId")) w.Key("ConversationId"), w.Int(c.conversation_id);
    if (want("IsExternal")) w.Key("IsExternal"), w.Bool(c.is_external);
    str("QueueNumber", c.queue_number);
    str("FromNo", c.from_no);
    str("FromName", c.from_name);
    str("ProviderName", c.provider_name);
    str("ProviderType", c.provider_type);
    str("ParticipantIp", c.participant_ip);
    str("ParticipantPhone", c.participant_phone);
    str("ParticipantEmail", c.participant_email);
    str("TimeSent", render_time(c.time_sent, zone));
    str("Message", c.message);
    str("ChatName", c.chat_name);
    if (want("ParticipantsGroupsArray")) {
        w.Key("ParticipantsGroupsArray");
        w.StartArray();
        for (const auto &g : c.groups) w.String(g.c_str());
        w.EndArray();
    }
    str("Source", c.source);
    w.EndObject();
}

}  // namespace

namespace {

History initial_history(const Config &config) {
    auto chats = generate_chats(config.chats, config.seed, config.data_end, config.data_span);
    // Runs of chats at one instant (the store stays in TimeSent order): a page boundary can
    // then fall inside a run, and a run can be larger than a page.
    for (size_t i = 0; config.same_instant > 1 && i < chats.size(); ++i)
        chats[i].arrival = chats[i].time_sent = chats[i - i % config.same_instant].time_sent;
    make_late(chats, config.late_fraction, config.late_max_s, config.seed);
    return History(std::move(chats), config.clock.value_or(config.data_end));
}

}  // namespace

Emulator::Emulator(Config config)
    : config_(std::move(config)), history_(initial_history(config_)),
      tokens_(config_.client_id, config_.client_secret, config_.token_lifetime_s), paging_(config_.paging) {
    // The time-zone database loads on first use; load it now, before the server's threads
    // can race to do it (ThreadSanitizer saw them do so inside libdate-tz).
    date::get_tzdb();
}

void Emulator::attach(httplib::Server &server, bool tls) {
    tls_ = tls;
    // Without it, Nagle's algorithm and the client's delayed ACK hold the last segment of
    // every answer for ~40 ms: that, not compression, is what made gzip pages slow.
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000000);
    server.set_keep_alive_timeout(30);
    server.set_pre_routing_handler([this](const httplib::Request &req, httplib::Response &) {
        std::lock_guard lock(mutex_);
        if (req.path.rfind("/admin/", 0) != 0) {
            connections_.insert(req.remote_addr + ":" + std::to_string(req.remote_port));
            ++counters_["requests"];
            // What a dry run must never send: anything but a read or the token request.
            if (req.method != "GET" && req.method != "HEAD" && req.path != config_.path_prefix + "/connect/token")
                ++counters_["changingRequests"];
            recent_targets_.push_back(req.method + " " + req.target);
            if (recent_targets_.size() > 1000) recent_targets_.erase(recent_targets_.begin());
        }
        return httplib::Server::HandlerResponse::Unhandled;
    });
    const std::string &at = config_.path_prefix;
    server.Post(at + "/connect/token", [this](const auto &req, auto &res) { token(req, res); });
    server.Get(at + "/xapi/v1/ChatHistoryView", [this](const auto &req, auto &res) { collection(req, res, nullptr); });
    server.Get(at + R"(/xapi/v1/ChatHistoryView/Pbx\.DownloadChatHistory\(clientTimeZone=(.*)\))",
               [this](const httplib::Request &req, httplib::Response &res) {
                   std::string zone = req.matches[1];
                   collection(req, res, &zone);
               });
    server.Post(at + "/xapi/v1/PurgeChats", [this](const auto &req, auto &res) { purge(req, res); });
    server.Get(at + "/xapi/v1/Defs/TimeZones", [this](const auto &req, auto &res) { time_zones(req, res); });
    server.Get(at + "/xapi/v1/WebsiteLinks", [this](const auto &req, auto &res) {
        if (authorised(req, res)) weblinks_.list(req, res);
    });
    server.Get(at + R"(/xapi/v1/WebsiteLinks\((.*)\))", [this](const httplib::Request &req, httplib::Response &res) {
        if (authorised(req, res)) weblinks_.get(req, res, req.matches[1]);
    });
    server.Delete(at + R"(/xapi/v1/WebsiteLinks\((.*)\))", [this](const httplib::Request &req, httplib::Response &res) {
        if (authorised(req, res)) weblinks_.remove(req, res, req.matches[1]);
    });
    server.Get(R"(/admin/.*)", [this](const auto &req, auto &res) { admin(req, res); });
    server.Post(R"(/admin/.*)", [this](const auto &req, auto &res) { admin(req, res); });
    server.set_error_handler([](const httplib::Request &req, httplib::Response &res) {
        if (res.status == 404 && res.body.empty())
            odata_error(res, 404, "NotFound", "No HTTP resource was found that matches the request URI '" + req.path + "'.");
    });
}

void Emulator::token(const httplib::Request &req, httplib::Response &res) {
    size_t padding = 0;
    {
        std::lock_guard lock(mutex_);
        ++counters_["tokenRequests"];
        if (faults_.huge_token_answer) padding = size_t{1} << 20;
    }
    tokens_.issue(req, res, padding);
}

bool Emulator::authorised(const httplib::Request &req, httplib::Response &res) {
    if (tokens_.authorised(req, res)) return true;
    std::lock_guard lock(mutex_);
    ++counters_["unauthorised"];
    return false;
}

namespace {

// The slice of a TimeSent-ordered store that the filter's TimeSent bounds leave (all of it
// without bounds); `matches` still decides for each chat in it.
std::pair<std::vector<Chat>::const_iterator, std::vector<Chat>::const_iterator> time_range(const std::vector<Chat> &chats,
                                                                                          const Query &q) {
    auto first = chats.begin(), last = chats.end();
    auto before = [](const Chat &c, TimePoint t) { return c.time_sent < t; };
    auto after = [](TimePoint t, const Chat &c) { return t < c.time_sent; };
    for (const auto &c : q.filter) {
        if (c.field != "TimeSent") continue;
        if (c.op == "ge" || c.op == "eq") first = std::max(first, std::lower_bound(chats.begin(), chats.end(), c.time, before));
        if (c.op == "gt") first = std::max(first, std::upper_bound(chats.begin(), chats.end(), c.time, after));
        if (c.op == "le" || c.op == "eq") last = std::min(last, std::upper_bound(chats.begin(), chats.end(), c.time, after));
        if (c.op == "lt") last = std::min(last, std::lower_bound(chats.begin(), chats.end(), c.time, before));
    }
    return {first, std::max(first, last)};
}

}  // namespace

namespace {

// A gzip stream at zlib's fastest level: a 1,000-chat page (~0.5 MB) compresses in a few
// milliseconds, where cpp-httplib's own (zlib's default level) took ~10 ms, which made the
// emulator, not the client, set the pace of any compressed benchmark.
class Gzip {
public:
    Gzip() { deflateInit2(&z_, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY); }
    ~Gzip() { deflateEnd(&z_); }
    Gzip(const Gzip &) = delete;
    Gzip &operator=(const Gzip &) = delete;
    void feed(std::string_view in, int flush = Z_NO_FLUSH) {
        z_.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
        z_.avail_in = static_cast<uInt>(in.size());
        do {
            z_.next_out = reinterpret_cast<Bytef *>(buffer_);
            z_.avail_out = sizeof buffer_;
            deflate(&z_, flush);
            out_.append(buffer_, sizeof buffer_ - z_.avail_out);
        } while (z_.avail_out == 0);
    }
    std::string finish(std::string_view last = {}) {
        feed(last, Z_FINISH);
        return std::move(out_);
    }

private:
    z_stream z_{};
    std::string out_;
    char buffer_[1 << 16];
};

// A gzip body of {"value":[ then 300 MiB of spaces then ]}: a few hundred KiB on the wire.
const std::string &gzip_bomb() {
    static const std::string bomb = [] {
        Gzip z;
        const std::string chunk(1u << 20, ' ');
        z.feed("{\"value\":[");
        for (int i = 0; i < 300; ++i) z.feed(chunk);
        return z.finish("]}");
    }();
    return bomb;
}

}  // namespace

bool Emulator::inject_fault(const httplib::Request &req, httplib::Response &res, BodyFault *body) {
    enum class Kind { none, s429, s429bare, s503, s502, s504, reset, malformed, html, stall, echo };
    Kind kind = Kind::none;
    int latency_ms = 0;
    {
        std::lock_guard lock(mutex_);
        latency_ms = faults_.latency_ms;
        auto take = [](int &n) { return n > 0 ? (--n, true) : false; };
        if (body && faults_.chaos_every > 0 && ++chaos_counter_ % faults_.chaos_every == 0) {
            static constexpr Kind rotation[] = {Kind::s429, Kind::s503,      Kind::s502, Kind::s504,
                                                Kind::reset, Kind::malformed, Kind::html, Kind::stall};
            kind = rotation[chaos_turn_++ % 8];
        } else if (faults_.faults_after > 0) {
            --faults_.faults_after;  // answered normally; the counted faults come after
        } else if (take(faults_.status_429)) kind = Kind::s429;
        else if (take(faults_.status_429_bare)) kind = Kind::s429bare;
        else if (take(faults_.status_503)) kind = Kind::s503;
        else if (take(faults_.status_502)) kind = Kind::s502;
        else if (take(faults_.status_504)) kind = Kind::s504;
        else if (take(faults_.html_error)) kind = Kind::html;
        else if (take(faults_.echo)) kind = Kind::echo;
        else if (body && take(faults_.reset_mid_body)) kind = Kind::reset;
        else if (body && take(faults_.malformed_json)) kind = Kind::malformed;
        else if (body && take(faults_.stall)) kind = Kind::stall;
        if (kind != Kind::none) ++counters_["faults"];
    }
    if (latency_ms) std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
    switch (kind) {
    case Kind::none: return false;
    case Kind::s429:
        res.set_header("Retry-After", "1");
        odata_error(res, 429, "TooManyRequests", "Too many requests.");
        return true;
    case Kind::s429bare: odata_error(res, 429, "TooManyRequests", "Too many requests."); return true;
    case Kind::s503: odata_error(res, 503, "ServiceUnavailable", "The service is temporarily unavailable."); return true;
    case Kind::s502: odata_error(res, 502, "BadGateway", "The upstream server failed."); return true;
    case Kind::s504: odata_error(res, 504, "GatewayTimeout", "The upstream server did not answer in time."); return true;
    case Kind::html:
        res.status = 502;
        res.set_content("<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
                        "text/html");
        return true;
    case Kind::echo:
        // Servers and proxies that echo requests in their errors exist; a client must not
        // pass such text on with its secrets in it.
        odata_error(res, 400, "BadRequest", "Rejected request with Authorization: " + req.get_header_value("Authorization"));
        return true;
    case Kind::reset: *body = BodyFault::reset; return false;
    case Kind::malformed: *body = BodyFault::malformed; return false;
    case Kind::stall: *body = BodyFault::stall; return false;
    }
    return false;
}

void Emulator::collection(const httplib::Request &req, httplib::Response &res, const std::string *zone_literal) {
    BodyFault body_fault = BodyFault::none;
    if (!authorised(req, res) || inject_fault(req, res, &body_fault)) return;
    try {
        const date::time_zone *zone = nullptr;
        if (zone_literal) {
            auto name = string_literal(*zone_literal);
            if (!name) throw ODataError(400, "BadRequest", "clientTimeZone must be an OData string literal: '" + *zone_literal + "'");
            try {
                zone = date::locate_zone(*name);
            } catch (const std::exception &) {
                throw ODataError(400, "XapiInvalidTimezone", "Unknown time zone '" + *name + "'.");
            }
        }
        Query q = parse_query(param(req, "$top"), param(req, "$skip"), param(req, "$count"), param(req, "$filter"),
                              param(req, "$orderby"), param(req, "$select"), param(req, "$expand"), param(req, "$search"));
        Faults f;  // the modes that stay on
        Paging paging;
        {
            std::lock_guard lock(mutex_);
            f = faults_;
            paging = paging_;
        }

        std::shared_lock data(data_mutex_);
        if (!paging.counts) q.count = false;
        // A $skiptoken (from a next link of ours, which drops $skip) holds where the answer goes on.
        size_t resume = 0;
        if (const std::string token = param(req, "$skiptoken"); !token.empty()) {
            if (token.size() < 2 || token.size() > 17 || token[0] != 'o' || token.find_first_not_of("0123456789abcdef", 1) != std::string::npos)
                throw ODataError(400, "BadRequest", "The $skiptoken '" + token + "' is not valid.");
            resume = static_cast<size_t>(std::stoull(token.substr(1), nullptr, 16));
        }
        size_t skip = f.ignore_skip ? 0 : static_cast<size_t>(q.skip.value_or(0)) + resume;
        // The store is in TimeSent order, so a page costs what the page holds, not what the
        // store holds: TimeSent bounds in the filter narrow the scan to a slice (binary
        // search), a TimeSent order needs no sort, and without $count the scan stops once the
        // page is full. A client paging a million chats by time then meets a server whose
        // time per page stays flat, as a database index keeps a real PBX's.
        auto [first, last] = time_range(history_.visible(), q);
        const bool store_order = q.orderby.empty() || (q.orderby.size() == 1 && q.orderby[0].field == "TimeSent" &&
                                                        !q.orderby[0].descending);
        const bool only_time = q.search.empty() && std::all_of(q.filter.begin(), q.filter.end(), [](const auto &c) {
            return c.field == "TimeSent" && c.op != "ne";
        });
        const bool slice = only_time && store_order;  // the page is a slice of the store
        std::vector<const Chat *> hits;
        if (!slice) {
            const size_t enough = store_order && !q.count && q.top ? skip + static_cast<size_t>(*q.top) + 1 : SIZE_MAX;
            for (auto c = first; c != last && hits.size() < enough; ++c)
                if (matches(*c, q)) hits.push_back(&*c);
            if (!store_order)
                std::stable_sort(hits.begin(), hits.end(), [&](const Chat *a, const Chat *b) { return comes_before(*a, *b, q.orderby); });
        }
        const size_t total = slice ? static_cast<size_t>(last - first) : hits.size();
        auto hit = [&](size_t i) -> const Chat & { return slice ? first[static_cast<ptrdiff_t>(i)] : *hits[i]; };

        size_t end = q.top ? std::min(total, skip + static_cast<size_t>(*q.top)) : total;
        size_t page_end = end;
        std::string next_link;
        if (paging.page_cap && skip < end && end - skip > paging.page_cap) page_end = skip + paging.page_cap;
        if (page_end < end && paging.next_link != Paging::NextLink::none) {
            const std::string resume = paging.next_link == Paging::NextLink::skip ? "$skip=" + std::to_string(page_end)
                                                                                  : fmt::format("$skiptoken=o{:x}", page_end);
            next_link = next_page_link(req, tls_, resume, q.top ? std::optional<size_t>(end - page_end) : std::nullopt);
            if (f.next_link_cycle) next_link = (tls_ ? "https://" : "http://") + req.get_header_value("Host") + req.target;
        }

        rapidjson::StringBuffer b;
        Writer w(b);
        w.StartObject();
        w.Key("@odata.context");
        w.String("$metadata#ChatHistoryView");
        if (q.count) w.Key("@odata.count"), w.Int64(static_cast<int64_t>(total) + f.count_excess);
        w.Key("value");
        w.StartArray();
        if (f.echo_in_records) {
            // As a server that writes every character as \uXXXX would echo them back (ASCII
            // here, the rest by escape_non_ascii: one escape per character, not per byte).
            auto escaped = [](const std::string &text) {
                std::string out = "\"";
                for (unsigned char c : text) out += c < 0x80 ? fmt::format("\\u{:04x}", c) : std::string(1, static_cast<char>(c));
                return escape_non_ascii(out + "\"");
            };
            const std::string auth = req.get_header_value("Authorization");
            const std::string token = auth.size() > 7 ? auth.substr(7) : "";
            // Two records: one with \u escapes alone, one behind \/ escapes alone.
            const std::string record = R"({"Message":)" + escaped(token) + R"(,"Note":)" + escaped(config_.client_secret) + "}";
            const std::string path = R"({"Path":"\/)" + token + R"("})";
            w.RawValue(record.c_str(), record.size(), rapidjson::kObjectType);
            w.RawValue(path.c_str(), path.size(), rapidjson::kObjectType);
        }
        if (f.bad_records) w.Int(42);
        if (f.huge_record) {
            w.StartObject();
            w.Key("Message");
            std::string big(20u << 20, 'x');
            w.String(big.c_str(), static_cast<rapidjson::SizeType>(big.size()));
            w.EndObject();
        }
        for (size_t i = skip; i < page_end && i < total; ++i) write_chat(w, hit(i), q.select, zone);
        w.EndArray();
        if (!next_link.empty()) w.Key("@odata.nextLink"), w.String(next_link.c_str());
        w.EndObject();
        data.unlock();

        std::string body = config_.escape_non_ascii ? escape_non_ascii(std::string_view(b.GetString(), b.GetSize()))
                                                    : std::string(b.GetString(), b.GetSize());
        if (body_fault == BodyFault::malformed) body = body.substr(0, body.size() / 2);
        if (body_fault == BodyFault::reset || body_fault == BodyFault::stall) {
            // Promise the whole length, send half, then (after a stall the client must give up
            // on) fail the provider: the server drops the connection.
            const bool stall = body_fault == BodyFault::stall;
            auto shared = std::make_shared<std::string>(std::move(body));
            res.set_header("Connection", "close");
            res.set_content_provider(shared->size(), "application/json; charset=utf-8",
                                     [shared, stall](size_t offset, size_t, httplib::DataSink &sink) {
                                         if (offset > 0) {
                                             if (stall) std::this_thread::sleep_for(std::chrono::seconds(5));
                                             return false;
                                         }
                                         sink.write(shared->data(), shared->size() / 2);
                                         return true;
                                     });
            return;
        }
        if (f.trickle) {
            auto shared = std::make_shared<std::string>(std::move(body));
            res.set_chunked_content_provider("application/json; charset=utf-8",
                                             [shared](size_t offset, httplib::DataSink &sink) {
                                                 std::this_thread::sleep_for(std::chrono::milliseconds(100));
                                                 if (offset < shared->size()) sink.write(shared->data() + offset, 1);
                                                 if (offset + 1 >= shared->size()) sink.done();
                                                 return true;
                                             });
            return;
        }
        if (f.gzip_bomb) {
            res.set_header("Content-Encoding", "gzip");
            res.set_content(gzip_bomb(), "application/json; charset=utf-8");
            return;
        }
        // Compressed here, not by cpp-httplib (which leaves "application/json; charset=utf-8"
        // alone): see Gzip. `--no-compression` serves every client plain bytes.
        if (config_.compress && req.get_header_value("Accept-Encoding").find("gzip") != std::string::npos) {
            res.set_header("Content-Encoding", "gzip");
            res.set_content(Gzip().finish(body), "application/json; charset=utf-8");
            std::lock_guard lock(mutex_);
            ++counters_["compressibleResponses"];
            return;
        }
        res.set_content(std::move(body), "application/json; charset=utf-8");
    } catch (const ODataError &e) {
        odata_error(res, e.status, e.code, e.what());
    }
}

void Emulator::purge(const httplib::Request &req, httplib::Response &res) {
    if (!authorised(req, res) || inject_fault(req, res)) return;
    rapidjson::Document doc;
    doc.Parse(req.body.c_str(), req.body.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("period") || !doc["period"].IsObject())
        return odata_error(res, 400, "BadRequest", "The request body must be {\"period\": Pbx.PurgeSettings}.");
    const auto &p = doc["period"];
    bool all = false;
    std::optional<TimePoint> start, stop;
    for (const auto &m : p.GetObject()) {
        std::string name = m.name.GetString();
        if (name == "All") {
            if (!m.value.IsBool()) return odata_error(res, 400, "BadRequest", "period.All must be a boolean.");
            all = m.value.GetBool();
        } else if (name == "Start" || name == "Stop") {
            if (m.value.IsNull()) continue;
            auto t = m.value.IsString() ? parse_date_time(m.value.GetString()) : std::nullopt;
            if (!t) return odata_error(res, 400, "BadRequest", "period." + name + " is not a valid Edm.DateTimeOffset.");
            (name == "Start" ? start : stop) = t;
        } else {
            return odata_error(res, 400, "BadRequest", "The property '" + name + "' does not exist on type 'Pbx.PurgeSettings'.");
        }
    }
    if (!all && !start && !stop) return odata_error(res, 400, "BadRequest", "period needs All or a Start or Stop.");
    // Both ends inclusive: the same reading the plugin's dry-run count uses (undocumented upstream).
    std::unique_lock data(data_mutex_);
    const size_t removed = history_.purge(PurgePeriod{all, start, stop}).removed.size();
    data.unlock();
    std::lock_guard lock(mutex_);
    ++counters_["purges"];
    counters_["purgedChats"] += removed;
    res.status = 204;
}

namespace {

struct Zone {
    const char *iana, *name, *windows;
};

const std::vector<Zone> usual_zones = {
    {"Europe/Berlin", "(UTC+01:00) Berlin", "W. Europe Standard Time"},
    {"Etc/UTC", "(UTC) Coordinated Universal Time", "UTC"},
    {"America/New_York", "(UTC-05:00) Eastern Time", "Eastern Standard Time"},
};

// Real zones, each display name carrying what a terminal acts on: a clear-screen and colour
// sequence, a line break and tab, a C1 CSI (U+009B) and DEL, a right-to-left override and a
// line separator.
const std::vector<Zone> escaped_zones = {
    {"Europe/Berlin", "\x1b[2J\x1b[31m(UTC+01:00) Berlin", "W. Europe Standard Time"},
    {"Etc/UTC", "(UTC)\nEtc/Fake\tinjected", "UTC"},
    {"America/New_York", "(UTC-05:00) New York\xc2\x9b" "31m", "Eastern\x7f Standard Time"},
    {"Asia/Tokyo", "(UTC+09:00) Tokyo \xe2\x80\xae" "oykoT\xe2\x80\xa8next", "Tokyo Standard Time"},
};

// Two real zones among names no node accepts: not in the IANA database, a path, OData text,
// a control sequence, the machine's own zone, and an empty name.
const std::vector<Zone> invalid_zones = {
    {"Mars/Olympus_Mons", "(UTC+?) Olympus Mons", "Mars Standard Time"},
    {"Europe/Berlin", "(UTC+01:00) Berlin", "W. Europe Standard Time"},
    {"../../etc/passwd", "(UTC) passwd", "UTC"},
    {"UTC' or 1 eq 1", "(UTC) or", "UTC"},
    {"Europe/Berlin\x1b[0m", "(UTC+01:00) Berlin, coloured", "W. Europe Standard Time"},
    {"localtime", "(UTC?) this machine", "Local"},
    {"Etc/UTC", "(UTC) Coordinated Universal Time", "UTC"},
};

const char *const many_zones[] = {"Europe/Berlin",  "Etc/UTC",          "America/New_York", "Asia/Tokyo",
                                  "Europe/London",  "Europe/Paris",     "Australia/Sydney", "America/Chicago",
                                  "Africa/Cairo",   "Asia/Kolkata"};

}  // namespace

void Emulator::time_zones(const httplib::Request &req, httplib::Response &res) {
    if (!authorised(req, res) || inject_fault(req, res)) return;
    Faults f;
    {
        std::lock_guard lock(mutex_);
        f = faults_;
    }
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    auto zone = [&](const std::string &id, const char *iana, const char *name, const char *windows) {
        w.StartObject();
        w.Key("Id"), w.String(id.c_str());
        w.Key("Name"), w.String(name);
        w.Key("IanaName"), w.String(iana);
        w.Key("WindowsName"), w.String(windows);
        w.EndObject();
    };
    w.StartObject();
    w.Key("value");
    w.StartArray();
    std::string next_link;
    if (f.time_zone_pages_forever > 0) {
        // A server that never stops paging: page N links to page N + 1, a link never seen before.
        const long page = req.has_param("page") ? std::stol(req.get_param_value("page")) : 0;
        for (int i = 0; i < f.time_zone_pages_forever; ++i) {
            const char *iana = many_zones[i % std::size(many_zones)];
            zone(std::to_string(page * f.time_zone_pages_forever + i), iana, iana, "");
        }
        next_link = (tls_ ? "https://" : "http://") + req.get_header_value("Host") + config_.path_prefix + "/xapi/v1/Defs/TimeZones?page=" +
                    std::to_string(page + 1);
    } else {
        const auto &zones = f.time_zone_escapes ? escaped_zones : f.time_zone_invalid ? invalid_zones : usual_zones;
        for (size_t i = 0; i < zones.size(); ++i) zone(std::to_string(i + 1), zones[i].iana, zones[i].name, zones[i].windows);
        if (f.time_zone_invalid) zone("0", "", "(no IANA name)", "Dateline Standard Time");
    }
    w.EndArray();
    if (!next_link.empty()) w.Key("@odata.nextLink"), w.String(next_link.c_str());
    w.EndObject();
    res.set_content(std::string(buf.GetString(), buf.GetSize()), "application/json");
}

void Emulator::admin(const httplib::Request &req, httplib::Response &res) {
    std::lock_guard lock(mutex_);
    if (req.path == "/admin/counters") {
        size_t chats, pending;
        {
            std::shared_lock data(data_mutex_);
            chats = history_.visible().size();
            pending = history_.pending().size();
        }
        std::string body = "{";
        for (const char *k : {"requests", "changingRequests", "tokenRequests", "unauthorised", "purges", "purgedChats", "faults", "compressibleResponses"})
            body += fmt::format("\"{}\":{},", k, counters_[k]);
        body += fmt::format("\"connections\":{},\"chats\":{},\"pendingChats\":{}}}", connections_.size(), chats, pending);
        res.set_content(body, "application/json");
    } else if (req.path == "/admin/requests") {
        std::string body;
        for (const auto &t : recent_targets_) body += t + "\n";
        res.set_content(body, "text/plain");
    } else if (req.path == "/admin/revoke-token" && req.method == "POST") {
        tokens_.revoke();  // as if another process had taken a new token
        res.status = 204;
    } else if (req.path == "/admin/paging" && req.method == "POST") {
        // {"pageCap": N, "nextLink": "skip"|"skiptoken"|"none", "counts": bool}, each optional.
        rapidjson::Document d;
        d.Parse(req.body.c_str());
        if (d.HasParseError() || !d.IsObject()) return odata_error(res, 400, "BadRequest", "paging must be a JSON object");
        Paging p = paging_;
        if (d.HasMember("pageCap") && d["pageCap"].IsUint()) p.page_cap = d["pageCap"].GetUint();
        if (d.HasMember("counts") && d["counts"].IsBool()) p.counts = d["counts"].GetBool();
        if (d.HasMember("nextLink") && d["nextLink"].IsString()) {
            const std::string kind = d["nextLink"].GetString();
            if (kind == "skip") p.next_link = Paging::NextLink::skip;
            else if (kind == "skiptoken") p.next_link = Paging::NextLink::skiptoken;
            else if (kind == "none") p.next_link = Paging::NextLink::none;
            else return odata_error(res, 400, "BadRequest", "nextLink is skip, skiptoken or none");
        }
        paging_ = p;
        res.status = 204;
    } else if (req.path == "/admin/clock" || req.path == "/admin/chats" || req.path == "/admin/purges") {
        history_admin(req, res);
    } else if (req.path == "/admin/faults" && req.method == "POST") {
        rapidjson::Document d;
        d.Parse(req.body.c_str());
        if (d.HasParseError() || !d.IsObject()) return odata_error(res, 400, "BadRequest", "faults must be a JSON object");
        auto get = [&](const char *k, int &v) { if (d.HasMember(k) && d[k].IsInt()) v = d[k].GetInt(); };
        get("latencyMs", faults_.latency_ms);
        get("status429", faults_.status_429);
        get("status503", faults_.status_503);
        get("resetMidBody", faults_.reset_mid_body);
        get("malformedJson", faults_.malformed_json);
        get("htmlError", faults_.html_error);
        get("echo", faults_.echo);
        get("status502", faults_.status_502);
        get("status429Bare", faults_.status_429_bare);
        get("status504", faults_.status_504);
        get("stall", faults_.stall);
        get("chaosEvery", faults_.chaos_every);
        get("faultsAfter", faults_.faults_after);
        get("countExcess", faults_.count_excess);
        auto flag = [&](const char *k, bool &v) { if (d.HasMember(k) && d[k].IsBool()) v = d[k].GetBool(); };
        flag("nextLinkCycle", faults_.next_link_cycle);
        flag("ignoreSkip", faults_.ignore_skip);
        flag("badRecords", faults_.bad_records);
        flag("echoInRecords", faults_.echo_in_records);
        flag("trickle", faults_.trickle);
        flag("gzipBomb", faults_.gzip_bomb);
        flag("hugeRecord", faults_.huge_record);
        flag("hugeTokenAnswer", faults_.huge_token_answer);
        get("timeZonePagesForever", faults_.time_zone_pages_forever);
        flag("timeZoneEscapes", faults_.time_zone_escapes);
        flag("timeZoneInvalid", faults_.time_zone_invalid);
        res.status = 204;
    } else {
        odata_error(res, 404, "NotFound", "no such admin endpoint");
    }
}

}  // namespace emulator
