// Purge Chats end to end: a period removes exactly that period, a dry run deletes nothing,
// purging everything needs confirmation.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>
#include <wfplugin/iso8601.hpp>

#include <set>

using namespace testsupport;
using namespace wfplugin;

namespace {

constexpr const char *purge = "threecx.purgeChats";

// Every chat's (message, instant), via a full export.
std::multiset<std::pair<std::string, iso8601::TimePoint>> everything(const EmulatorProcess &emu) {
    auto e = execute("threecx.downloadChatHistory", R"({"clientTimeZone":"Asia/Tokyo","options":{"returnAll":true,"pageSize":5000}})",
                     emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    std::multiset<std::pair<std::string, iso8601::TimePoint>> out;
    for (const auto &r : records(e)) out.emplace(r["Message"].GetString(), *iso8601::parse(r["TimeSent"].GetString()));
    return out;
}

}  // namespace

TEST_CASE("purging a period removes exactly that period and nothing else") {
    EmulatorProcess emu({"--chats", "3000"});
    auto before = everything(emu);
    const std::string start = "2025-03-10T00:00:00+01:00", stop = "2025-04-20T12:00:00Z";
    auto s = *iso8601::parse(start), t = *iso8601::parse(stop);
    size_t in_period = 0;
    for (const auto &c : before) in_period += (c.second >= s && c.second <= t);
    REQUIRE(in_period > 100);

    auto e = execute(purge, R"({"period":{"All":false,"Start":")" + start + R"(","Stop":")" + stop + R"("},"options":{"countBeforePurge":true}})",
                     emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    REQUIRE(e.items.size() == 1);
    auto out = parse(e.items[0].json);
    CHECK(out["purged"].GetBool());
    CHECK(out["dryRun"].GetBool() == false);
    CHECK(out["httpStatus"].GetInt() == 204);
    CHECK(out["matchedChats"].GetInt64() == static_cast<int64_t>(in_period));
    // Sent and reported in one canonical form: the same instant, in UTC.
    CHECK(std::string(out["period"]["Start"].GetString()) == "2025-03-09T23:00:00Z");

    auto after = everything(emu);
    auto expected = before;
    std::erase_if(expected, [&](const auto &c) { return c.second >= s && c.second <= t; });
    CHECK(after == expected);
    CHECK(after.size() == before.size() - in_period);
}

TEST_CASE("the period may arrive as a string holding JSON, and Start alone is a lower bound") {
    EmulatorProcess emu({"--chats", "1000"});
    // Open towards the future, so it needs the confirmation.
    auto e = execute(purge, R"({"period":"{\"Start\": \"2025-12-01T00:00:00Z\"}","confirmPurgeAll":true})", emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    for (const auto &c : everything(emu)) CHECK(c.second < *iso8601::parse("2025-12-01T00:00:00Z"));
    std::string body;
    for (const auto &r : emu.requests())
        if (r.find("PurgeChats") != std::string::npos) body = r;
    CHECK(body == "POST /xapi/v1/PurgeChats");
}

TEST_CASE("dry run counts what the period matches and deletes nothing") {
    EmulatorProcess emu({"--chats", "2000"});
    auto e = execute(purge, R"({"period":{"Start":"2025-06-01T00:00:00Z","Stop":"2025-06-30T23:59:59Z"},"options":{"dryRun":true}})",
                     emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    auto out = parse(e.items[0].json);
    CHECK(out["dryRun"].GetBool());
    CHECK(out["purged"].GetBool() == false);
    CHECK(out["matchedChats"].GetInt64() > 100);
    CHECK(emu.counter("chats") == 2000);
    CHECK(emu.counter("purges") == 0);
    for (const auto &r : emu.requests()) CHECK(r.find("PurgeChats") == std::string::npos);
}

TEST_CASE("All: true needs confirmPurgeAll, with it, everything goes") {
    EmulatorProcess emu({"--chats", "500"});
    auto refused = execute(purge, R"({"period":{"All":true}})", emu.credentials());
    CHECK(refused.status == WFNODE_ERR_INVALID_INPUT);
    CHECK(emu.counter("chats") == 500);
    auto preview = execute(purge, R"({"period":{"All":true},"options":{"dryRun":true}})", emu.credentials());
    REQUIRE(preview.status == WFNODE_OK);
    CHECK(parse(preview.items[0].json)["matchedChats"].GetInt64() == 500);
    auto done = execute(purge, R"({"period":{"All":true},"confirmPurgeAll":true})", emu.credentials());
    REQUIRE(done.status == WFNODE_OK);
    CHECK(emu.counter("chats") == 0);
}
