// Download Chat History end to end against the emulator, through the C++ loader: every
// option alone and combined, Return All with and without server paging.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>
#include <wfplugin/iso8601.hpp>

#include <algorithm>
#include <set>

using namespace testsupport;
using namespace wfplugin;

namespace {

constexpr const char *node = "threecx.downloadChatHistory";

std::string str(const rapidjson::Value &v, const char *k) { return v[k].GetString(); }

// The emulator's messages end in "(#<index>)": the record's position in the seeded data.
int seed_index(const rapidjson::Value &record) {
    std::string m = str(record, "Message");
    auto hash = m.rfind("(#");
    return std::stoi(m.substr(hash + 2));
}

Execution download(const EmulatorProcess &emu, const std::string &options, const std::string &zone = "Europe/Berlin") {
    return execute(node, R"({"clientTimeZone":")" + zone + R"(","options":)" + options + "}", emu.credentials());
}

std::string last_request(const EmulatorProcess &emu) {
    auto all = emu.requests();
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (it->find("/xapi/") != std::string::npos) return *it;
    return {};
}

}  // namespace

TEST_CASE("no options: the server's default, one item per record, times in the client's zone") {
    EmulatorProcess emu({"--chats", "300"});
    auto e = download(emu, "{}");
    REQUIRE(e.status == WFNODE_OK);
    auto recs = records(e);
    CHECK(recs.size() == 300);
    CHECK(std::all_of(e.items.begin(), e.items.end(), [](const Output &o) { return o.paired == 0; }));
    // Europe/Berlin renders +01:00 in winter and +02:00 in summer.
    std::set<std::string> offsets;
    for (const auto &r : recs) offsets.insert(str(r, "TimeSent").substr(19));
    CHECK(offsets == std::set<std::string>{"+01:00", "+02:00"});
    for (const char *f : {"ConversationId", "IsExternal", "FromName", "ProviderType", "Message", "ChatName", "ParticipantsGroupsArray"})
        CHECK(recs[0].HasMember(f));
    CHECK(last_request(emu) == "GET /xapi/v1/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone=%27Europe%2FBerlin%27)");
}

TEST_CASE("the time zone's bytes in the request path, checked on the server side") {
    EmulatorProcess emu({"--chats", "10"});
    REQUIRE(download(emu, "{}", "America/Argentina/Buenos_Aires").status == WFNODE_OK);
    CHECK(last_request(emu) ==
          "GET /xapi/v1/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone=%27America%2FArgentina%2FBuenos_Aires%27)");
    auto recs = records(download(emu, R"({"top":1})", "America/Argentina/Buenos_Aires"));
    REQUIRE(recs.size() == 1);
    CHECK(str(recs[0], "TimeSent").substr(19) == "-03:00");
}

TEST_CASE("top and skip") {
    EmulatorProcess emu({"--chats", "200"});
    auto all = records(download(emu, "{}"));
    auto top = records(download(emu, R"({"top":5})"));
    REQUIRE(top.size() == 5);
    auto skipped = records(download(emu, R"({"skip":7,"top":3})"));
    REQUIRE(skipped.size() == 3);
    for (int i = 0; i < 3; ++i) CHECK(seed_index(skipped[i]) == seed_index(all[7 + i]));
    CHECK(records(download(emu, R"({"top":0})")).empty());
    CHECK(last_request(emu).find("?$top=0") != std::string::npos);
}

TEST_CASE("count is visible as the first output item") {
    EmulatorProcess emu({"--chats", "400"});
    auto e = download(emu, R"({"count":true,"top":2})");
    REQUIRE(e.items.size() == 3);
    CHECK(e.items[0].json == R"({"@odata.count":400})");
    auto only = download(emu, R"({"count":true,"top":0,"filter":"ProviderType eq 'SMS'"})");
    REQUIRE(only.items.size() == 1);
    CHECK(only.items[0].json == R"({"@odata.count":80})");
}

TEST_CASE("search: substring over message, names and chat name, phrases auto-quoted") {
    EmulatorProcess emu({"--chats", "500"});
    auto recs = records(download(emu, R"({"search":"parcel"})"));
    REQUIRE(!recs.empty());
    for (const auto &r : recs) CHECK(str(r, "Message").find("parcel") != std::string::npos);
    auto phrase = records(download(emu, R"({"search":"my parcel"})"));
    CHECK(last_request(emu).find("$search=%22my%20parcel%22") != std::string::npos);
    REQUIRE(!phrase.empty());
    for (const auto &r : phrase) CHECK(str(r, "Message").find("my parcel") != std::string::npos);
    auto names = records(download(emu, R"({"search":"o'brien"})"));
    REQUIRE(!names.empty());
    for (const auto &r : names) CHECK(str(r, "FromName").find("O'Brien") != std::string::npos);
}

TEST_CASE("filter on provider type and on a time window") {
    EmulatorProcess emu({"--chats", "500"});
    auto sms = records(download(emu, R"({"filter":"ProviderType eq 'SMS'"})"));
    CHECK(sms.size() == 100);
    for (const auto &r : sms) CHECK(str(r, "ProviderType") == "SMS");
    auto from = *iso8601::parse("2025-04-01T00:00:00+02:00"), to = *iso8601::parse("2025-05-01T00:00:00+02:00");
    auto window = records(download(emu, R"({"filter":"TimeSent ge 2025-04-01T00:00:00+02:00 and TimeSent lt 2025-05-01T00:00:00+02:00"})"));
    REQUIRE(!window.empty());
    for (const auto &r : window) {
        auto t = *iso8601::parse(str(r, "TimeSent"));
        CHECK(t >= from);
        CHECK(t < to);
    }
    CHECK(last_request(emu).find("$filter=TimeSent%20ge%202025-04-01T00%3A00%3A00%2B02%3A00%20and%20") != std::string::npos);
}

TEST_CASE("select returns only the chosen properties") {
    EmulatorProcess emu({"--chats", "20"});
    auto recs = records(download(emu, R"({"select":" TimeSent , Message ","top":3})"));
    REQUIRE(recs.size() == 3);
    for (const auto &r : recs) {
        CHECK(r.MemberCount() == 2);
        CHECK(r.HasMember("TimeSent"));
        CHECK(r.HasMember("Message"));
    }
    CHECK(last_request(emu).find("$select=TimeSent%2CMessage") != std::string::npos);
}

TEST_CASE("orderby: TimeSent desc and ConversationId asc") {
    EmulatorProcess emu({"--chats", "100"});
    auto desc = records(download(emu, R"({"orderby":"TimeSent desc"})"));
    REQUIRE(desc.size() == 100);
    for (size_t i = 1; i < desc.size(); ++i)
        CHECK(*iso8601::parse(str(desc[i - 1], "TimeSent")) >= *iso8601::parse(str(desc[i], "TimeSent")));
    auto by_conv = records(download(emu, R"({"orderby":"ConversationId desc, TimeSent asc"})"));
    for (size_t i = 1; i < by_conv.size(); ++i)
        CHECK(by_conv[i - 1]["ConversationId"].GetInt() >= by_conv[i]["ConversationId"].GetInt());
}

TEST_CASE("expand reaches the server, and its OData error reaches the user") {
    EmulatorProcess emu({"--chats", "10"});
    auto e = download(emu, R"({"expand":"Participants"})");
    CHECK(e.status == WFNODE_ERR_API);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].http_status == 400);
    CHECK(e.errors[0].api_code == "BadRequest");
    CHECK(e.errors[0].message.find("Could not find a navigation property named 'Participants'") != std::string::npos);
    CHECK(last_request(emu).find("$expand=Participants") != std::string::npos);
}

TEST_CASE("an unsupported filter: the server's OData error with status and code") {
    EmulatorProcess emu({"--chats", "10"});
    auto e = download(emu, R"j({"filter":"contains(Message,'x')"})j");
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].status == WFNODE_ERR_API);
    CHECK(e.errors[0].message.find("HTTP 400 BadRequest") != std::string::npos);
}

TEST_CASE("all options combined") {
    EmulatorProcess emu({"--chats", "2000"});
    auto e = download(emu, R"({"filter":"ProviderType eq 'LiveChat' and TimeSent ge 2025-03-01T00:00:00Z","search":"please",)"
                           R"("orderby":"TimeSent desc","select":"TimeSent,ProviderType,Message","top":4,"skip":2,"count":true})");
    REQUIRE(e.status == WFNODE_OK);
    auto full = records(download(emu, R"({"filter":"ProviderType eq 'LiveChat' and TimeSent ge 2025-03-01T00:00:00Z","search":"please","orderby":"TimeSent desc"})"));
    auto recs = records(e);
    REQUIRE(recs.size() == 4);
    REQUIRE(full.size() >= 6);
    CHECK(e.items[0].json == R"({"@odata.count":)" + std::to_string(full.size()) + "}");
    for (int i = 0; i < 4; ++i) {
        CHECK(recs[i].MemberCount() == 3);
        CHECK(str(recs[i], "Message") == str(full[2 + i], "Message"));
        CHECK(str(recs[i], "ProviderType") == "LiveChat");
    }
}

TEST_CASE("returnAll equals the whole data set: no duplicates, no gaps") {
    SUBCASE("client paging with $skip/$top (page size not a divisor of the total)") {
        EmulatorProcess emu;
        auto e = download(emu, R"({"returnAll":true,"pageSize":900})");
        REQUIRE(e.status == WFNODE_OK);
        std::set<int> seen;
        for (const auto &r : records(e)) seen.insert(seed_index(r));
        CHECK(e.items.size() == 10000);
        CHECK(seen.size() == 10000);
        CHECK(*seen.begin() == 0);
        CHECK(*seen.rbegin() == 9999);
        // The token, ceil(10000 / 900) pages, and one more that proves the end: a short page
        // is no proof (a server may cap its pages), a page of nothing new is.
        CHECK(emu.counter("requests") == 1 + 12 + 1);
    }
    SUBCASE("server paging with @odata.nextLink") {
        EmulatorProcess emu({"--page-cap", "700"});
        auto e = download(emu, R"({"returnAll":true,"pageSize":5000,"count":true})");
        REQUIRE(e.status == WFNODE_OK);
        CHECK(e.items[0].json == R"({"@odata.count":10000})");
        std::set<int> seen;
        auto recs = records(e);
        for (const auto &r : recs) seen.insert(seed_index(r));
        CHECK(recs.size() == 10000);
        CHECK(seen.size() == 10000);
        // Two client pages of 5000, each served as ceil(5000/700) = 8 server pages.
        CHECK(emu.counter("requests") == 1 + 16);
    }
    SUBCASE("top caps the total under returnAll, with a skip") {
        EmulatorProcess emu({"--page-cap", "300"});
        auto recs = records(download(emu, R"({"returnAll":true,"pageSize":400,"top":1000,"skip":50})"));
        REQUIRE(recs.size() == 1000);
        CHECK(seed_index(recs.front()) == 50);
        CHECK(seed_index(recs.back()) == 1049);
    }
}

TEST_CASE("a server that escapes every non-ASCII character hands on the same records as one that writes them raw") {
    // The same seeded data, once as raw UTF-8 and once as a real 3CX's OData writer sends it.
    EmulatorProcess raw({"--chats", "2500"}), escaping({"--chats", "2500", "--escape-non-ascii"});
    const std::string target = "/xapi/v1/ChatHistoryView?$top=200";
    const auto raw_page = raw.xapi(target), escaped_page = escaping.xapi(target);
    auto ascii = [](const std::string &s) { return std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; }); };
    CHECK_FALSE(ascii(raw_page.body));
    CHECK(ascii(escaped_page.body));
    for (const char *escape : {"\\u00fc", "\\u0418", "\\u7f8e", "\\ud83d\\ude00", "\\\"", "\\n"}) {
        CAPTURE(escape);
        CHECK(escaped_page.body.find(escape) != std::string::npos);
    }

    const std::string options = R"({"returnAll":true,"pageSize":1000})";
    auto a = download(raw, options), b = download(escaping, options);
    REQUIRE(a.status == WFNODE_OK);
    REQUIRE(b.status == WFNODE_OK);
    REQUIRE(a.items.size() == 2500);
    REQUIRE(b.items.size() == a.items.size());
    std::set<std::string> scripts;  // what the records hold, decoded
    for (size_t i = 0; i < a.items.size(); ++i) {
        CAPTURE(i);
        CHECK(ascii(b.items[i].json));  // passed on as the server wrote it
        auto x = parse(a.items[i].json), y = parse(b.items[i].json);
        CHECK(x == y);
        const std::string text = str(y, "FromName") + " " + str(y, "Message");
        for (const char *sample : {"ü", "Иванова", "王", "😀", "\"", "\n"})
            if (text.find(sample) != std::string::npos) scripts.insert(sample);
    }
    CHECK(scripts.size() == 6);  // accented Latin, Cyrillic, CJK, an emoji, quotes, line breaks
}
