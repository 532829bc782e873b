#include "chat_checkpoint.hpp"

#include <fmt/format.h>
#include <wfcommon/fnv1a.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

namespace threecx {
namespace {

namespace json = wfplugin::json;
namespace iso8601 = wfplugin::iso8601;

[[noreturn]] void refuse(const std::string &why) {
    throw wfplugin::invalid("state", "the saved checkpoint is refused: " + why +
                                         "; nothing was exported (fix or remove the state, knowing that without it the "
                                         "export starts again from startAt)");
}

uint64_t fingerprint(std::string_view record) { return wfcommon::fnv1a::hash(record); }

std::optional<iso8601::TimePoint> instant_or_null(const rapidjson::Value &v, const char *what) {
    if (v.IsNull()) return std::nullopt;
    if (!v.IsString()) refuse(fmt::format("\"{}\" is not a date-time or null", what));
    auto t = iso8601::parse({v.GetString(), v.GetStringLength()});
    if (!t) refuse(fmt::format("\"{}\" ({}) is not an ISO 8601 date-time", what, json::excerpt({v.GetString(), v.GetStringLength()})));
    return t;
}

const rapidjson::Value &required(const rapidjson::Value &doc, const char *name) {
    const auto *v = json::find(doc, name);
    if (!v) refuse(fmt::format("it has no \"{}\"", name));
    return *v;
}

}  // namespace

ChatCheckpoint::ChatCheckpoint(std::string pbx, std::string query, std::optional<TimePoint> start_at)
    : pbx_(std::move(pbx)), query_(std::move(query)), window_from_(start_at) {}

ChatCheckpoint ChatCheckpoint::read(std::string_view text, const std::string &pbx, const std::string &query, TimePoint now) {
    rapidjson::Document doc;
    try {
        doc = json::parse(text, "state");
    } catch (const wfplugin::NodeError &e) {
        refuse(std::string("it is not valid JSON (") + e.what() + ")");
    }
    if (!doc.IsObject()) refuse("it is not a JSON object");
    static const std::set<std::string> known{"version", "pbx", "query", "checkpoint", "windowFrom", "window"};
    for (const auto &m : doc.GetObject())
        if (!known.count(m.name.GetString())) refuse(fmt::format("it has an unknown member \"{}\"", json::excerpt(m.name.GetString())));
    const auto &v = required(doc, "version");
    if (!v.IsInt() || v.GetInt() != version)
        refuse(fmt::format("it is of version {}, and this plugin reads version {}", json::stringify(v), version));
    const auto &p = required(doc, "pbx");
    if (!p.IsString() || p.GetString() != pbx)
        refuse("it was written for another PBX or API client (baseUrl and clientId differ)");
    const auto &q = required(doc, "query");
    if (!q.IsString() || q.GetString() != query)
        refuse("it was written for another query (clientTimeZone, search, filter, select or expand differ; a filter "
               "must not change from run to run: bound the export with endBefore instead)");

    ChatCheckpoint c(pbx, query, instant_or_null(required(doc, "windowFrom"), "windowFrom"));
    c.checkpoint_ = instant_or_null(required(doc, "checkpoint"), "checkpoint");
    if (c.checkpoint_ && *c.checkpoint_ > now + future_tolerance)
        refuse(fmt::format("its checkpoint {} is in the future (this machine's clock says {})", iso8601::format(*c.checkpoint_),
                           iso8601::format(now)));
    if (c.checkpoint_ && c.window_from_ && *c.window_from_ > *c.checkpoint_) refuse("its windowFrom is after its checkpoint");
    const auto &w = required(doc, "window");
    if (!w.IsArray()) refuse("\"window\" is not an array");
    if (!c.checkpoint_ && !w.Empty()) refuse("it holds records but no checkpoint");
    for (const auto &entry : w.GetArray()) {
        const auto *t = json::find(entry, "t");
        const auto *fp = json::find(entry, "fp");
        if (!entry.IsObject() || entry.MemberCount() != 2 || !t || !fp || !fp->IsArray() || fp->Empty())
            refuse("a window entry is not {\"t\": date-time, \"fp\": [fingerprints]}");
        auto at = instant_or_null(*t, "window t");
        if (!at) refuse("a window entry has no time");
        if (!c.before_.empty() && *at <= c.before_.rbegin()->first) refuse("the window's times are not in ascending order");
        if ((c.window_from_ && *at < *c.window_from_) || *at > *c.checkpoint_)
            refuse(fmt::format("the window entry {} lies outside windowFrom..checkpoint", iso8601::format(*at)));
        auto &prints = c.before_[*at];
        for (const auto &f : fp->GetArray()) {
            uint64_t h = 0;
            const char *s = f.IsString() ? f.GetString() : nullptr;
            if (!s || f.GetStringLength() != 16 || std::from_chars(s, s + 16, h, 16).ptr != s + 16)
                refuse("a fingerprint is not 16 hex digits");
            ++prints[h];
        }
    }
    return c;
}

bool ChatCheckpoint::take(TimePoint t, std::string_view record) {
    if (!checkpoint_ || t > *checkpoint_) checkpoint_ = t;
    const uint64_t h = fingerprint(record);
    if (auto at = before_.find(t); at != before_.end()) {
        if (auto it = at->second.find(h); it != at->second.end()) {
            uint32_t &seen = matched_[t][h];
            if (seen < it->second) {  // one of those handed on before (the same bytes twice count twice)
                ++seen;
                ++passed_over_;
                return false;
            }
        }
    }
    ++now_[t][h];
    ++handed_on_;
    return true;
}

std::string ChatCheckpoint::next_state(std::chrono::seconds window) const {
    // The window never starts before what was read: records before it were not looked at.
    std::optional<TimePoint> from = window_from_;
    if (checkpoint_) from = from ? std::max(*from, *checkpoint_ - window) : *checkpoint_ - window;
    std::map<TimePoint, std::vector<uint64_t>> kept;
    for (const Fingerprints *f : {&before_, &now_})
        for (auto it = from ? f->lower_bound(*from) : f->begin(); it != f->end(); ++it)
            for (const auto &[h, n] : it->second) kept[it->first].insert(kept[it->first].end(), n, h);
    auto instant = [](const std::optional<TimePoint> &t) { return t ? json::quote(iso8601::format(*t)) : std::string("null"); };
    std::string out = fmt::format(R"({{"version":{},"pbx":{},"query":{},"checkpoint":{},"windowFrom":{},"window":[)", version,
                                  json::quote(pbx_), json::quote(query_), instant(checkpoint_), instant(from));
    bool first = true;
    for (auto &[t, prints] : kept) {
        std::sort(prints.begin(), prints.end());
        out += fmt::format(R"({}{{"t":{},"fp":[)", first ? "" : ",", json::quote(iso8601::format(t)));
        for (size_t i = 0; i < prints.size(); ++i) out += fmt::format(R"({}"{:016x}")", i ? "," : "", prints[i]);
        out += "]}";
        first = false;
    }
    return out + "]}";
}

}  // namespace threecx
