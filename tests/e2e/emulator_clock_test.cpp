// The emulator's simulated clock, on which the archive's night-by-night tests stand: chats
// join the history as the clock passes their arrival (some after their TimeSent was passed),
// chats a test adds join the same way, a purge removes only what has arrived and is logged
// with its period, the simulated now and the ids it removed, the clock goes back only when
// told to, and one seed gives one history.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <date/date.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

using namespace testsupport;
using namespace std::chrono;

namespace {

using Instant = sys_seconds;

// The helpers below run inside CHECK expressions, where a nested assertion would garble the
// outer one's report: they throw instead, which the CHECK reports as its failure.
void need(bool ok, const std::string &what) {
    if (!ok) throw std::runtime_error(what);
}

std::string iso(Instant t) { return date::format("%FT%TZ", t); }

Instant instant(const std::string &text) {
    std::istringstream in(text);
    Instant t{};
    in >> date::parse("%FT%TZ", t);
    need(!in.fail(), "not a UTC date-time: " + text);
    return t;
}

// A generated chat's Message ends with "(#id)".
uint64_t id_in(const std::string &message) {
    const auto open = message.rfind("(#");
    need(open != std::string::npos, "no (#id) in " + message);
    return std::stoull(message.substr(open + 2));
}

// What ChatHistoryView serves for `query`: the ids, in the order served.
std::vector<uint64_t> served(const EmulatorProcess &emu, const std::string &query = "") {
    auto a = emu.xapi("/xapi/v1/ChatHistoryView?$select=Message,TimeSent" + (query.empty() ? "" : "&" + query));
    need(a.status == 200, a.body);
    std::vector<uint64_t> ids;
    const auto page = parse(a.body);  // outlives the loop: a temporary's array would not
    for (const auto &r : page["value"].GetArray()) ids.push_back(id_in(r["Message"].GetString()));
    return ids;
}

// The @odata.count of ChatHistoryView (with a $filter when given), as a client asks for it.
long long counted(const EmulatorProcess &emu, const std::string &filter = "") {
    auto a = emu.xapi("/xapi/v1/ChatHistoryView?$count=true&$top=0" + (filter.empty() ? "" : "&$filter=" + filter));
    need(a.status == 200, a.body);
    return parse(a.body)["@odata.count"].GetInt64();
}

struct Known {
    uint64_t id;
    std::string state;
    Instant time_sent, arrival;
    std::string message;
    bool operator==(const Known &) const = default;
};

// GET /admin/chats: every chat the emulator holds or held, by id.
std::vector<Known> known(const EmulatorProcess &emu, const std::string &state = "") {
    auto a = emu.admin("/admin/chats" + (state.empty() ? "" : "?state=" + state));
    need(a.status == 200, a.body);
    std::vector<Known> out;
    const auto chats = parse(a.body);  // outlives the loop: a temporary's array would not
    for (const auto &c : chats["chats"].GetArray())
        out.push_back({c["id"].GetUint64(), c["state"].GetString(), instant(c["TimeSent"].GetString()),
                       instant(c["arrival"].GetString()), c["Message"].GetString()});
    return out;
}

std::string purge_body(const std::string &start, const std::string &stop) {
    return R"({"period":{"All":false,"Start":")" + start + R"(","Stop":")" + stop + R"("}})";
}

// 365 chats over 2025, one a day: chat k is sent in the first half of day k (the emulator's
// jitter is under half its step), so at noon of day k exactly k + 1 chats have been sent.
constexpr Instant year_start{sys_days{year{2025} / January / 1}};
Instant noon_of_day(int k) { return year_start + days(k) + hours(12); }
std::vector<std::string> year_of_chats(std::vector<std::string> more = {}) {
    std::vector<std::string> flags{"--chats", "365", "--data-end", "2026-01-01T00:00:00Z", "--clock", iso(year_start)};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
}

}  // namespace

TEST_CASE("chats join the history as the simulated clock passes them, and none from its future is served") {
    EmulatorProcess emu(year_of_chats());
    CHECK(emu.clock() == "2025-01-01T00:00:00Z");
    CHECK(counted(emu) <= 1);  // at most chat 0, sent in the year's first second
    for (int k : {0, 9, 99, 180, 364}) {
        CAPTURE(k);
        emu.set_clock(iso(noon_of_day(k)));
        CHECK(emu.clock() == iso(noon_of_day(k)));
        CHECK(counted(emu) == k + 1);
        CHECK(counted(emu, "TimeSent%20gt%20" + iso(noon_of_day(k))) == 0);
        CHECK(emu.counter("chats") == k + 1);
        CHECK(emu.counter("pendingChats") == 365 - (k + 1));
        // The same through DownloadChatHistory, which a node uses.
        auto a = emu.xapi("/xapi/v1/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone='Etc%2FUTC')?$count=true&$top=0");
        REQUIRE(a.status == 200);
        CHECK(parse(a.body)["@odata.count"].GetInt64() == k + 1);
        // What is served is the oldest k + 1 chats, in TimeSent order.
        std::vector<uint64_t> first(static_cast<size_t>(k + 1));
        for (size_t i = 0; i < first.size(); ++i) first[i] = i;
        CHECK(served(emu) == first);
    }
    // Past the last chat, the whole year is there.
    emu.set_clock("2026-06-01T00:00:00Z");
    CHECK(counted(emu) == 365);
    CHECK(emu.counter("pendingChats") == 0);
}

TEST_CASE("late chats arrive after their TimeSent was passed, each at its arrival") {
    EmulatorProcess emu(year_of_chats({"--late-fraction", "0.2", "--late-max-s", "172800"}));
    const auto chats = known(emu);
    REQUIRE(chats.size() == 365);
    std::vector<Known> late;
    for (const auto &c : chats) {
        CHECK(c.arrival >= c.time_sent);
        CHECK(c.arrival - c.time_sent <= seconds(172800));
        if (c.arrival > c.time_sent) late.push_back(c);
    }
    CHECK(late.size() == 73);  // round(0.2 * 365)
    // Walk the clock to each late chat: served neither at its TimeSent nor a second before its
    // arrival, served at its arrival, though its TimeSent lies behind a clock already passed.
    for (const auto &c : late) {
        CAPTURE(c.id);
        const std::string exactly = "$filter=TimeSent%20eq%20" + iso(c.time_sent);
        auto has = [&] {
            auto ids = served(emu, exactly);
            return std::find(ids.begin(), ids.end(), c.id) != ids.end();
        };
        if (instant(emu.clock()) <= c.time_sent) {
            emu.set_clock(iso(c.time_sent));
            CHECK_FALSE(has());
        }
        if (instant(emu.clock()) < c.arrival - seconds(1)) {
            emu.set_clock(iso(c.arrival - seconds(1)));
            CHECK_FALSE(has());
        }
        if (instant(emu.clock()) < c.arrival) emu.set_clock(iso(c.arrival));
        CHECK(has());
    }
    emu.set_clock("2026-01-03T00:00:00Z");  // past the last arrival
    CHECK(counted(emu) == 365);
}

TEST_CASE("a node exporting a closed day again finds the chats that arrived late") {
    // Day 100's chat, sent in its first half, arrives a day late: the night after, a
    // download of that day finds nothing; the night after that, it finds the chat.
    EmulatorProcess emu(year_of_chats());
    const Instant day = year_start + days(100);
    const auto added = emu.add_chats(R"([{"TimeSent":")" + iso(day + hours(6)) + R"(","arrival":")" + iso(day + hours(30)) +
                                     R"(","Message":"closed late"}])");
    REQUIRE(added.size() == 1);
    const std::string params = R"({"clientTimeZone":"UTC","options":{"returnAll":true,"pageSize":50,"filter":"TimeSent ge )" +
                               iso(day) + " and TimeSent lt " + iso(day + days(1)) + R"("}})";
    auto messages = [&] {
        auto e = execute("threecx.downloadChatHistory", params, emu.credentials());
        REQUIRE(e.status == WFNODE_OK);
        std::multiset<std::string> out;
        for (const auto &r : records(e)) out.insert(r["Message"].GetString());
        return out;
    };
    emu.set_clock(iso(day + days(1) + hours(1)));  // the first night after the day
    auto first = messages();
    CHECK(first.size() == 1);  // the day's generated chat
    CHECK(first.count("closed late") == 0);
    emu.set_clock(iso(day + days(2) + hours(1)));  // the next night
    auto second = messages();
    CHECK(second.size() == 2);
    CHECK(second.count("closed late") == 1);
}

TEST_CASE("chats a test adds get fresh ids and join the history at their arrival") {
    EmulatorProcess emu(year_of_chats());
    emu.set_clock(iso(noon_of_day(9)));
    const auto ids = emu.add_chats(R"([{"TimeSent":"2025-01-05T08:00:00Z","ConversationId":77,"Message":"seen at once"},
                                       {"TimeSent":"2025-01-05T08:00:00+02:00","arrival":"2025-01-19T00:00:00Z","Message":"late one"}])");
    CHECK(ids == std::vector<uint64_t>{365, 366});
    CHECK(counted(emu) == 11);  // ten of the year's, and the one already arrived
    auto a = emu.xapi("/xapi/v1/ChatHistoryView?$filter=ConversationId%20eq%2077");
    REQUIRE(a.status == 200);
    auto doc = parse(a.body);
    REQUIRE(doc["value"].Size() == 1);
    CHECK(std::string(doc["value"][0]["Message"].GetString()) == "seen at once");
    CHECK(std::string(doc["value"][0]["TimeSent"].GetString()) == "2025-01-05T08:00:00Z");
    const auto late_one = known(emu, "pending");
    CHECK(std::count_if(late_one.begin(), late_one.end(), [](const Known &c) { return c.id == 366 && c.message == "late one"; }) == 1);
    emu.set_clock(iso(noon_of_day(18)));
    CHECK(counted(emu) == 21);  // nineteen days of chats, and both added
    CHECK(counted(emu, "TimeSent%20eq%202025-01-05T06:00:00Z") == 1);  // the late one, in UTC
    // Ids are never reused, not even after a purge.
    REQUIRE(emu.xapi("/xapi/v1/PurgeChats", R"({"period":{"All":true}})").status == 204);
    CHECK(emu.add_chats(R"([{"TimeSent":"2025-01-19T00:00:00Z"}])") == std::vector<uint64_t>{367});

    // Bodies are read strictly, and a refused one adds nothing.
    for (const char *bad : {R"({"chats":[{"Message":"no time"}]})", R"({"chats":[{"TimeSent":"yesterday"}]})",
                            R"({"chats":[{"TimeSent":"2025-01-05T08:00:00Z","Colour":"red"}]})",
                            R"({"chats":[{"TimeSent":"2025-01-05T08:00:00Z","TimeSent":"2025-01-06T08:00:00Z"}]})",
                            R"({"chats":[{"TimeSent":"2025-01-05T08:00:00Z","arrival":"2025-01-04T00:00:00Z"}]})",
                            R"({"chats":[{"TimeSent":"2025-01-05T08:00:00Z","ConversationId":"77"}]})",
                            R"({"chats":{}})", R"([])", "not json"}) {
        CAPTURE(bad);
        auto r = emu.admin("/admin/chats", std::string(bad));
        CHECK(r.status == 400);
        CHECK(r.body.find("BadRequest") != std::string::npos);
    }
    CHECK(known(emu).size() == 368);
}

TEST_CASE("a purge removes only chats that have arrived, and the log says what it removed and when") {
    // Half the chats arrive up to 30 days late: at day 99, some sent before day 96 are still
    // to come. A purge up to day 96 must leave them, and they arrive afterwards.
    EmulatorProcess emu(year_of_chats({"--late-fraction", "0.5", "--late-max-s", "2592000"}));
    const Instant now = noon_of_day(99), stop = noon_of_day(96);
    emu.set_clock(iso(now));
    const auto before = served(emu);
    std::vector<uint64_t> expected_removed, kept_pending;
    for (const auto &c : known(emu, "visible"))
        if (c.time_sent <= stop) expected_removed.push_back(c.id);  // id order is TimeSent order here
    const auto pending = known(emu, "pending");
    for (const auto &c : pending)
        if (c.time_sent <= stop) kept_pending.push_back(c.id);
    REQUIRE(expected_removed.size() > 50);
    REQUIRE_FALSE(kept_pending.empty());

    const long purged_before = emu.counter("purgedChats");
    REQUIRE(emu.xapi("/xapi/v1/PurgeChats", purge_body("2025-01-01T00:00:00Z", iso(stop))).status == 204);
    auto log = emu.purges();
    REQUIRE(log.size() == 1);
    CHECK_FALSE(log[0].all);
    CHECK(log[0].start == "2025-01-01T00:00:00Z");
    CHECK(log[0].stop == iso(stop));
    CHECK(log[0].now == iso(now));
    CHECK(log[0].removed == expected_removed);  // in TimeSent order
    CHECK(emu.counter("purgedChats") - purged_before == static_cast<long>(expected_removed.size()));
    // Everything else stayed: what was served less the purged, and every chat still to come.
    std::vector<uint64_t> rest;
    for (uint64_t id : before)
        if (std::find(expected_removed.begin(), expected_removed.end(), id) == expected_removed.end()) rest.push_back(id);
    CHECK(served(emu) == rest);
    CHECK(known(emu, "pending") == pending);
    CHECK(known(emu, "purged").size() == expected_removed.size());

    // A purge that met a fault was not carried out: not logged, nothing removed.
    emu.admin_post("/admin/faults", R"({"status503":1})");
    CHECK(emu.xapi("/xapi/v1/PurgeChats", purge_body("2025-01-01T00:00:00Z", "2025-12-31T23:59:59Z")).status == 503);
    CHECK(emu.purges().size() == 1);
    CHECK(served(emu) == rest);

    // The chats of the purged period that arrive after the purge are in the history again,
    // to be archived: a purge is no promise that a period stays empty.
    emu.set_clock("2026-02-01T00:00:00Z");
    const auto now_served = served(emu);
    for (uint64_t id : kept_pending) CHECK(std::find(now_served.begin(), now_served.end(), id) != now_served.end());
    REQUIRE(emu.xapi("/xapi/v1/PurgeChats", R"({"period":{"All":true}})").status == 204);
    log = emu.purges();
    REQUIRE(log.size() == 2);
    CHECK(log[1].all);
    CHECK(log[1].start.empty());
    CHECK(log[1].now == "2026-02-01T00:00:00Z");
    CHECK(log[1].removed.size() == 365 - expected_removed.size());
    CHECK(counted(emu) == 0);
}

TEST_CASE("the clock goes back only when told to, and never takes back a chat it stored") {
    EmulatorProcess emu(year_of_chats());
    emu.set_clock(iso(noon_of_day(49)));
    CHECK(counted(emu) == 50);
    // Moving back without saying so is refused, and changes nothing.
    auto refused = emu.admin("/admin/clock", R"({"now":"2025-01-10T00:00:00Z"})");
    CHECK(refused.status == 409);
    CHECK(refused.body.find("backwards") != std::string::npos);
    CHECK(emu.clock() == iso(noon_of_day(49)));
    CHECK_THROWS(emu.set_clock("2025-01-10T00:00:00Z"));
    // Staying put is no move back.
    emu.set_clock(iso(noon_of_day(49)));
    // Told to, the clock goes back (a PBX clock corrected); what was stored stays served, and
    // going forward again brings each chat once.
    emu.set_clock("2025-01-10T00:00:00Z", true);
    CHECK(emu.clock() == "2025-01-10T00:00:00Z");
    CHECK(counted(emu) == 50);
    emu.set_clock(iso(noon_of_day(59)));
    CHECK(counted(emu) == 60);
    const auto ids = served(emu);
    CHECK(std::set<uint64_t>(ids.begin(), ids.end()).size() == 60);
    // The clock's body is read strictly.
    for (const char *bad : {R"({})", R"({"now":"soon"})", R"({"now":"2025-03-01T00:00:00Z","backwards":"yes"})",
                            R"({"now":"2025-03-01T00:00:00Z","speed":2})", R"({"now":"2025-03-01T00:00:00Z","now":"2025-04-01T00:00:00Z"})"}) {
        CAPTURE(bad);
        CHECK(emu.admin("/admin/clock", std::string(bad)).status == 400);
    }
    CHECK(emu.clock() == iso(noon_of_day(59)));
    // The clock moves at start by flag only as an instant: bad flags stop the emulator at once.
    for (std::vector<std::string> flags : {std::vector<std::string>{"--clock", "tomorrow"},
                                           std::vector<std::string>{"--late-fraction", "0.1"},
                                           std::vector<std::string>{"--late-fraction", "1.5", "--late-max-s", "10"}}) {
        flags.insert(flags.begin(), EMULATOR_PATH);
        CAPTURE(flags[1]);
        CHECK(run(flags).exit_code != 0);
    }
}

TEST_CASE("one seed, one history: the same data and the same late arrivals") {
    const std::vector<std::string> late{"--late-fraction", "0.3", "--late-max-s", "86400", "--seed", "11"};
    EmulatorProcess a(year_of_chats(late)), b(year_of_chats(late));
    std::vector<std::string> other_seed = late;
    other_seed.back() = "12";
    EmulatorProcess c(year_of_chats(other_seed));
    EmulatorProcess on_time(year_of_chats({"--seed", "11"}));
    const auto in_a = known(a);
    CHECK(in_a == known(b));
    // Late arrivals change when chats arrive, never what they are.
    auto on_time_chats = known(on_time);
    REQUIRE(on_time_chats.size() == in_a.size());
    size_t moved = 0;
    for (size_t i = 0; i < in_a.size(); ++i) {
        CHECK(in_a[i].id == on_time_chats[i].id);
        CHECK(in_a[i].time_sent == on_time_chats[i].time_sent);
        CHECK(in_a[i].message == on_time_chats[i].message);
        CHECK(on_time_chats[i].arrival == on_time_chats[i].time_sent);
        moved += in_a[i].arrival != in_a[i].time_sent;
    }
    CHECK(moved == 110);  // round(0.3 * 365)
    // Another seed, another history.
    const auto in_c = known(c);
    CHECK(in_c != in_a);
    // And the served answers of the same clock are the same bytes.
    for (auto *emu : {&a, &b}) emu->set_clock(iso(noon_of_day(200)));
    CHECK(a.xapi("/xapi/v1/ChatHistoryView").body == b.xapi("/xapi/v1/ChatHistoryView").body);
}

TEST_CASE("faults can wait for the middle of an export") {
    EmulatorProcess emu(year_of_chats());
    emu.set_clock("2026-01-01T00:00:00Z");
    emu.admin_post("/admin/faults", R"({"faultsAfter":2,"status503":2})");
    std::vector<long> statuses;
    for (int i = 0; i < 5; ++i) statuses.push_back(emu.xapi("/xapi/v1/ChatHistoryView?$top=10&$skip=" + std::to_string(10 * i)).status);
    CHECK(statuses == std::vector<long>{200, 200, 503, 503, 200});
    CHECK(emu.counter("faults") == 2);
}
