// The admin endpoints of the simulated history: the clock tests move, chats they add, and the
// purge log they check.
//   GET  /admin/clock                      {"now","visible","pending","purged"}
//   POST /admin/clock {"now", "backwards"} the same, plus "arrived"; a move back is a 409
//                                          unless "backwards" is true
//   POST /admin/chats {"chats":[{"TimeSent", "arrival", "ConversationId", "Message"}]}
//                                          {"ids":[...]}; only TimeSent is required
//   GET  /admin/chats[?state=visible|pending|purged]
//                                          {"chats":[{"id","state","ConversationId","TimeSent",
//                                          "arrival","Message"}]}, in id order
//   GET  /admin/purges                     {"purges":[{"period":{"All","Start","Stop"},"now",
//                                          "removed":[ids]}]}, oldest first
// Bodies are read strictly: an object, no unknown or repeated member, each of its type.
#include "emulator.hpp"
#include "odata_error.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <set>
#include <string_view>

namespace emulator {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct BadRequest {
    std::string message;
};

rapidjson::Document read_body(const std::string &body) {
    rapidjson::Document d;
    d.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
    if (d.HasParseError() || !d.IsObject()) throw BadRequest{"the body must be a JSON object"};
    return d;
}

// Every member of `object` is one of `allowed`, and none comes twice.
void only_members(const rapidjson::Value &object, std::initializer_list<std::string_view> allowed, std::string_view what) {
    std::set<std::string_view> seen;
    for (const auto &m : object.GetObject()) {
        const std::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end())
            throw BadRequest{std::string(what) + " has no member '" + std::string(name) + "'"};
        if (!seen.insert(name).second) throw BadRequest{std::string(what) + " repeats '" + std::string(name) + "'"};
    }
}

TimePoint instant(const rapidjson::Value &v, std::string_view name) {
    std::optional<TimePoint> t;
    if (v.IsString()) t = parse_date_time(std::string_view(v.GetString(), v.GetStringLength()));
    if (!t) throw BadRequest{std::string(name) + " must be an ISO 8601 date-time with an offset"};
    return *t;
}

void write_time(Writer &w, const char *key, std::optional<TimePoint> t) {
    w.Key(key);
    if (!t) return static_cast<void>(w.Null());
    const std::string text = format_utc(*t);
    w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_clock(Writer &w, const History &h) {
    write_time(w, "now", h.now());
    w.Key("visible"), w.Uint64(h.visible().size());
    w.Key("pending"), w.Uint64(h.pending().size());
    w.Key("purged"), w.Uint64(h.purged().size());
}

void write_chat(Writer &w, const Chat &c, const char *state) {
    w.StartObject();
    w.Key("id"), w.Uint64(c.id);
    w.Key("state"), w.String(state);
    w.Key("ConversationId"), w.Int(c.conversation_id);
    write_time(w, "TimeSent", c.time_sent);
    write_time(w, "arrival", c.arrival);
    w.Key("Message"), w.String(c.message.c_str(), static_cast<rapidjson::SizeType>(c.message.size()));
    w.EndObject();
}

// The chats of the body of POST /admin/chats, with ids from `first_id` on.
std::vector<Chat> chats_to_add(const rapidjson::Document &d, uint64_t first_id, uint64_t seed) {
    only_members(d, {"chats"}, "the body");
    if (!d.HasMember("chats") || !d["chats"].IsArray()) throw BadRequest{"chats must be an array"};
    std::vector<Chat> out;
    for (const auto &item : d["chats"].GetArray()) {
        if (!item.IsObject()) throw BadRequest{"each chat must be an object"};
        only_members(item, {"TimeSent", "arrival", "ConversationId", "Message"}, "a chat");
        if (!item.HasMember("TimeSent")) throw BadRequest{"a chat needs a TimeSent"};
        std::optional<int32_t> conversation;
        if (item.HasMember("ConversationId")) {
            if (!item["ConversationId"].IsInt()) throw BadRequest{"ConversationId must be a 32-bit integer"};
            conversation = item["ConversationId"].GetInt();
        }
        Chat c = generated_chat(first_id + out.size(), seed, conversation);
        c.time_sent = instant(item["TimeSent"], "TimeSent");
        c.arrival = item.HasMember("arrival") ? instant(item["arrival"], "arrival") : c.time_sent;
        if (c.arrival < c.time_sent) throw BadRequest{"a chat cannot arrive before its TimeSent"};
        if (item.HasMember("Message")) {
            if (!item["Message"].IsString()) throw BadRequest{"Message must be a string"};
            c.message.assign(item["Message"].GetString(), item["Message"].GetStringLength());
        }
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

void Emulator::history_admin(const httplib::Request &req, httplib::Response &res) {
    rapidjson::StringBuffer b;
    Writer w(b);
    try {
        if (req.path == "/admin/clock" && req.method == "GET") {
            std::shared_lock data(data_mutex_);
            w.StartObject();
            write_clock(w, history_);
            w.EndObject();
        } else if (req.path == "/admin/clock" && req.method == "POST") {
            const auto d = read_body(req.body);
            only_members(d, {"now", "backwards"}, "the body");
            if (!d.HasMember("now")) throw BadRequest{"the body needs now"};
            const TimePoint to = instant(d["now"], "now");
            bool backwards = false;
            if (d.HasMember("backwards")) {
                if (!d["backwards"].IsBool()) throw BadRequest{"backwards must be a boolean"};
                backwards = d["backwards"].GetBool();
            }
            std::unique_lock data(data_mutex_);
            size_t arrived = 0;
            if (!history_.move_clock(to, backwards, &arrived))
                return odata_error(res, 409, "Conflict",
                                   "the clock is at " + format_utc(history_.now()) + "; moving it back to " + format_utc(to) +
                                       " needs \"backwards\": true");
            w.StartObject();
            write_clock(w, history_);
            w.Key("arrived"), w.Uint64(arrived);
            w.EndObject();
        } else if (req.path == "/admin/chats" && req.method == "POST") {
            const auto d = read_body(req.body);
            std::unique_lock data(data_mutex_);
            auto chats = chats_to_add(d, history_.next_id(), config_.seed);
            w.StartObject();
            w.Key("ids");
            w.StartArray();
            for (const auto &c : chats) w.Uint64(c.id);
            w.EndArray();
            w.EndObject();
            history_.add(std::move(chats));
        } else if (req.path == "/admin/chats" && req.method == "GET") {
            const std::string state = req.has_param("state") ? req.get_param_value("state") : "";
            if (!state.empty() && state != "visible" && state != "pending" && state != "purged")
                throw BadRequest{"state is visible, pending or purged"};
            std::shared_lock data(data_mutex_);
            std::vector<std::pair<const Chat *, const char *>> chats;
            for (const auto &[name, store] : {std::pair{"visible", &history_.visible()}, std::pair{"pending", &history_.pending()},
                                              std::pair{"purged", &history_.purged()}})
                if (state.empty() || state == name)
                    for (const auto &c : *store) chats.emplace_back(&c, name);
            std::sort(chats.begin(), chats.end(), [](const auto &a, const auto &b) { return a.first->id < b.first->id; });
            w.StartObject();
            w.Key("chats");
            w.StartArray();
            for (const auto &[chat, name] : chats) write_chat(w, *chat, name);
            w.EndArray();
            w.EndObject();
        } else if (req.path == "/admin/purges" && req.method == "GET") {
            std::shared_lock data(data_mutex_);
            w.StartObject();
            w.Key("purges");
            w.StartArray();
            for (const auto &p : history_.purges()) {
                w.StartObject();
                w.Key("period");
                w.StartObject();
                w.Key("All"), w.Bool(p.period.all);
                write_time(w, "Start", p.period.start);
                write_time(w, "Stop", p.period.stop);
                w.EndObject();
                write_time(w, "now", p.now);
                w.Key("removed");
                w.StartArray();
                for (uint64_t id : p.removed) w.Uint64(id);
                w.EndArray();
                w.EndObject();
            }
            w.EndArray();
            w.EndObject();
        } else {
            return odata_error(res, 405, "MethodNotAllowed", req.method + " is not allowed on " + req.path);
        }
    } catch (const BadRequest &e) {
        return odata_error(res, 400, "BadRequest", e.message);
    }
    res.set_content(std::string(b.GetString(), b.GetSize()), "application/json");
}

}  // namespace emulator
