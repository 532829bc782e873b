// Safety, class by class: input that could widen a purge, crash the process or be read two
// ways is refused with an error naming the field and the item, and nothing is sent (the
// emulator's counters stay at zero); what is accepted is sent in exactly one form; secrets
// never come back, even from a server that echoes them.
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>
#include <wfplugin/iso8601.hpp>

#include <string>
#include <vector>

using namespace testsupport;

namespace {

constexpr const char *download = "threecx.downloadChatHistory";
constexpr const char *purge = "threecx.purgeChats";

struct Refused {
    std::string klass;    // which class of defect the case closes
    const char *node;
    std::string params;   // the bad item's parameters
    std::string field;    // the field the error must name
    std::string message;  // a part of the message it must give
};

std::string nested(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

const std::vector<Refused> &refused_table() {
    static const std::vector<Refused> table{
        // 1. Ambiguous JSON: refused, naming the duplicate key.
        {"json", purge, R"({"period":{"Stop":"2025-01-01T00:00:00Z","Stop":null}})", "period.Stop", "duplicate key \"Stop\""},
        {"json", purge, R"({"period":{"All":false,"All":true},"confirmPurgeAll":true})", "period.All", "duplicate key \"All\""},
        {"json", purge, R"({"period":"{\"Stop\":\"2025-01-01T00:00:00Z\",\"Stop\":null}"})", "period", "duplicate key \"Stop\""},
        {"json", download, R"({"clientTimeZone":"UTC","clientTimeZone":"Europe/Berlin"})", "clientTimeZone", "duplicate key \"clientTimeZone\""},
        {"json", download, R"({"clientTimeZone":"UTC","options":{"top":1,"top":5}})", "options.top", "duplicate key \"top\""},
        {"json", purge, R"({"period":{"Stop":"2025-01-01T00:00:00Z"}} {"period":{"All":true}})", "parameters", "more data follows"},
        {"json", purge, R"({"period":"{\"Stop\":\"2025-01-01T00:00:00Z\"} {\"All\":true}"})", "period", "more data follows"},
        {"json", download, R"({"clientTimeZone":"UTC\u0000Europe/Berlin"})", "clientTimeZone", "NUL character"},
        {"json", download, R"({"clientTimeZone":"UTC","options":{"filter":"TimeSent ge 2025-01-01T00:00:00Z\u0000 or true"}})", "options.filter", "NUL character"},
        {"json", download, "{\"clientTimeZone\":\"Europe/Berlin\xff\"}", "clientTimeZone", "Invalid encoding"},
        {"json", download, "{\"clientTimeZone\":\"\xc0\xaf\"}", "clientTimeZone", "Invalid encoding"},
        {"json", download, "{\"clientTimeZone\":\"UTC\",\"options\":{\"search\":\"\xed\xa0\x80\"}}", "options.search", "Invalid encoding"},
        {"json", download, R"({"clientTimeZone":"UTC","options":{"search":"\udc00"}})", "options.search", "lone UTF-16 surrogate"},
        // 2. Depth and size: a clear error, never a stack overflow; short excerpts only.
        {"depth", download, R"({"clientTimeZone":"UTC","options":)" + nested(65) + "}", "options", "nested deeper than 64 levels"},
        {"depth", download, nested(1'000'000), "parameters", "nested deeper than 64 levels"},
        {"depth", purge, R"({"period":")" + std::string(200, '[') + R"("})", "period", "not valid JSON"},
        // A request line no server takes is refused before sending, naming the option (not
        // libcurl's out-of-memory taken for a compression bomb).
        {"size", download, R"({"clientTimeZone":"UTC","options":{"filter":")" + std::string(1u << 20, 'a') + R"("}})",
         "options.filter", "makes the request line"},
        {"size", download, R"({"clientTimeZone":"UTC","options":{"top":5,"search":")" + std::string(3000, '%') + R"("}})",
         "options.search", "more than the 8192 a server accepts"},
        {"depth", purge, R"({"period":{"Start":")" + std::string(100'000, '2') + R"("}})", "period.Start", "at most 256"},
        {"depth", download, R"({"clientTimeZone":")" + std::string(100'000, 'A') + R"("})", "clientTimeZone", "..."},
        {"depth", download, R"({"clientTimeZone":"UTC","options":{")" + std::string(5000, 'k') + R"(":1}})",
         "options." + std::string(40, 'k') + "...", "is not a known parameter"},
        // 3. Numbers: integers as written, within range; nothing else is sent.
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"top":2.0}})", "options.top", "whole number"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"top":1e1}})", "options.top", "whole number"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"skip":1E300}})", "options.skip", "whole number"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"top":18446744073709551616}})", "options.top", "whole number"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"top":2147483648}})", "options.top", "must be <= 2147483647"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"skip":-0.5}})", "options.skip", "whole number"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"pageSize":100001}})", "options.pageSize", "must be <= 100000"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"returnAll":true,"concurrency":9}})", "options.concurrency", "must be <= 8"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"returnAll":true,"concurrency":0}})", "options.concurrency", "must be >= 1"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"returnAll":true,"concurrency":2.5}})", "options.concurrency", "whole number"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"returnAll":true,"concurrency":"4"}})", "options.concurrency", "must be"},
        {"numbers", download, R"({"clientTimeZone":"UTC","options":{"top":1e400}})", "options.top", "not valid JSON"},
        // 4. Dates: real calendar instants, offsets within +/-14:00, years 0001-9999.
        {"dates", purge, R"({"period":{"Stop":"2025-02-31T00:00:00Z"}})", "period.Stop", "not a real date and time"},
        {"dates", purge, R"({"period":{"Stop":"2025-04-31T00:00:00Z"}})", "period.Stop", "not a real date and time"},
        {"dates", purge, R"({"period":{"Stop":"2025-02-29T00:00:00Z"}})", "period.Stop", "not a real date and time"},
        {"dates", purge, R"({"period":{"Stop":"2025-01-01T00:00:00+15:00"}})", "period.Stop", "within +/-14:00"},
        {"dates", purge, R"({"period":{"Stop":"2025-01-01T00:00:00+14:30"}})", "period.Stop", "within +/-14:00"},
        {"dates", purge, R"({"period":{"Stop":"0000-06-01T00:00:00Z"}})", "period.Stop", "years 0001-9999"},
        {"dates", purge, R"({"period":{"Stop":"0001-01-01T00:30:00+01:00"}})", "period.Stop", "years 0001-9999"},
        {"dates", purge, R"({"period":{"Stop":"10000-01-01T00:00:00Z"}})", "period.Stop", "years 0001-9999"},
        {"dates", purge, R"({"period":{"Stop":"2025-01-01T00:00:00.1234567Z"}})", "period.Stop", "to the microsecond"},
        {"dates", purge, R"({"period":{"Stop":"2025-01-01T00:00:00.000000000001Z"}})", "period.Stop", "to the microsecond"},
        {"dates", purge, R"({"period":{"Start":"2025-01-02T00:30:00+01:00","Stop":"2025-01-01T23:00:00Z"}})", "period.Start", "is after period.Stop"},
        {"dates", purge, R"({"period":{"Start":"2025-01-01T10:00:00-05:00","Stop":"2025-01-01T14:59:59Z"}})", "period.Start", "is after period.Stop"},
        // 5. Values, not text: a period string is parsed whole; nothing can add a key.
        {"values", purge, R"({"period":"{\"Stop\":\"2025-01-01T00:00:00Z\",\"All\":true}"})", "period.All", "leave Start and Stop null"},
        {"values", purge, R"({"period":{"Stop":"2025-01-01T00:00:00Z\",\"All\":true,\"x\":\""}})", "period.Stop", "invalid format"},
        {"values", purge, R"({"period":{"Stop":"2025-01-01T00:00:00Z","Extra":1}})", "period.Extra", "not a known parameter"},
        {"values", purge, R"({"period":"[{\"All\":true}]"})", "period", "not a JSON object"},
        // 6. Destructive intent: everything, or a period open to the future, needs the confirmation.
        {"intent", purge, R"({"period":{"All":true}})", "confirmPurgeAll", "set confirmPurgeAll to true"},
        {"intent", purge, R"({"period":{"All":true},"confirmPurgeAll":false})", "confirmPurgeAll", "set confirmPurgeAll to true"},
        {"intent", purge, R"({"period":{"Start":"2025-01-01T00:00:00Z"}})", "confirmPurgeAll", "has no Stop"},
        {"intent", purge, R"({"period":{"Stop":"9999-12-31T23:59:59Z"}})", "confirmPurgeAll", "is later than now"},
        {"intent", purge, R"({"period":{"Start":"2025-01-01T00:00:00Z","Stop":"2999-01-01T00:00:00+14:00"}})", "confirmPurgeAll", "reaches into the future"},
        {"intent", purge, R"({"period":"{\"All\":false,\"Stop\":null,\"Start\":\"2020-01-01T00:00:00Z\"}"})", "confirmPurgeAll", "has no Stop"},
        {"intent", purge, R"({"period":{"All":true},"confirmPurgeAll":"true"})", "confirmPurgeAll", "must be boolean"},
        {"intent", purge, R"({"period":{"All":true},"confirmPurgeAll":1})", "confirmPurgeAll", "must be boolean"},
        // 7. Header and URL injection through parameters.
        {"injection", download, R"({"clientTimeZone":"UTC","options":{"filter":"a\r\nAuthorization: x"}})", "options.filter", "control character"},
        {"injection", download, R"({"clientTimeZone":"UTC\r\nX: y"})", "clientTimeZone", "control character (code 13)"},
        {"injection", download, R"({"clientTimeZone":"../../etc/passwd"})", "clientTimeZone", "not a known IANA time zone"},
        {"injection", download, R"({"clientTimeZone":"localtime"})", "clientTimeZone", "not a known IANA time zone"},
    };
    return table;
}

}  // namespace

TEST_CASE("refused input, class by class: exit status, field, item, message, and nothing sent") {
    EmulatorProcess emu;
    const auto &table = refused_table();
    CHECK(table.size() >= 50);
    for (const auto &bad : table) {
        INFO(bad.klass << ": " << std::string(bad.node) << " " << bad.params.substr(0, 200));
        // Good items around the bad one: the error must name item 1, and nothing may run.
        std::string good = std::string(bad.node) == download
                               ? R"({"clientTimeZone":"UTC"})"
                               : R"({"period":{"Start":"2025-01-01T00:00:00Z","Stop":"2025-02-01T00:00:00Z"}})";
        wfnode::ExecuteCall call;
        call.node_type = bad.node;
        call.credentials = emu.credentials();
        call.items = {"{}", "{}", "{}"};
        call.item_parameters = {std::nullopt, bad.params, std::nullopt};
        call.parameters = good;
        std::vector<wfnode::Error> errors;
        int items = 0;
        wfnode::ExecuteCallbacks cb;
        cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
        cb.on_item = [&](uint32_t, std::string_view) { return ++items, true; };
        CHECK(plugin().execute(call, cb) == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].item_index == 1);
        CHECK(errors[0].field == bad.field);
        CHECK(errors[0].message.find(bad.message) != std::string::npos);
        CHECK(errors[0].message.size() < 600);  // excerpts, never a whole hostile value
        CHECK(items == 0);
    }
    CHECK(emu.counter("requests") == 0);
    CHECK(emu.counter("tokenRequests") == 0);
}

TEST_CASE("ambiguous items and credentials are refused before anything is sent") {
    EmulatorProcess emu;
    auto dup_item = execute(download, R"({"clientTimeZone":"UTC"})", emu.credentials(), {"{}", R"({"a":1,"a":2})"});
    CHECK(dup_item.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(dup_item.errors.size() == 1);
    CHECK(dup_item.errors[0].item_index == 1);
    CHECK(dup_item.errors[0].message.find("duplicate key \"a\"") != std::string::npos);

    std::string creds = emu.credentials();
    std::string dup_creds = creds.substr(0, creds.size() - 1) + R"(,"baseUrl":"http://attacker.invalid"})";
    auto e = execute(download, R"({"clientTimeZone":"UTC"})", dup_creds);
    CHECK(e.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].field == "credentials.baseUrl");  // where the duplicate is
    CHECK(e.errors[0].message.find("duplicate key \"baseUrl\"") != std::string::npos);

    auto query = execute(download, R"({"clientTimeZone":"UTC"})",
                         R"({"baseUrl":"http://127.0.0.1:1/?x=1","clientId":"c","apiKey":"k"})");
    CHECK(query.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(query.errors.size() == 1);
    CHECK(query.errors[0].field == "credentials.baseUrl");
    CHECK(emu.counter("requests") == 0);
    CHECK(emu.counter("tokenRequests") == 0);
}

TEST_CASE("credential errors never repeat a secret, wherever it was put") {
    EmulatorProcess emu;
    const std::string key = "Pa55-w0rd-K3y";
    struct Case {
        std::string creds, field;
    };
    const std::vector<Case> cases{
        {R"({"baseUrl":"http://u:)" + key + R"(@127.0.0.1:1","clientId":"c","apiKey":")" + key + "\"}", "credentials.baseUrl"},
        {R"({"baseUrl":"http://127.0.0.1:1/?k=)" + key + R"(","clientId":"c","apiKey":")" + key + "\"}", "credentials.baseUrl"},
        {R"({"baseUrl":"http://127.0.0.1:1","clientId":")" + key + R"(","apiKey":")" + key + R"(","ignoreTlsIssues":")" + key + "\"}", "credentials.ignoreTlsIssues"},
        {R"({"baseUrl":"http://127.0.0.1:1","clientId":"c","apiKey":")" + std::string(1025, 'k') + "\"}", "credentials.apiKey"},
        {R"({"baseUrl":"http://127.0.0.1:1","clientId":")" + std::string(1025, 'c') + R"(","apiKey":"k"})", "credentials.clientId"},
    };
    for (const auto &c : cases) {
        INFO(c.creds.substr(0, 120));
        auto e = execute(download, R"({"clientTimeZone":"UTC"})", c.creds);
        CHECK(e.status == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(e.errors.size() == 1);
        CHECK(e.errors[0].field == c.field);
        CHECK(e.errors[0].message.find(key) == std::string::npos);
        CHECK(e.errors[0].message.size() < 600);
    }
    CHECK(emu.counter("requests") == 0);
}

TEST_CASE("what is sent is exactly what was validated: one canonical instant, integers as written") {
    EmulatorProcess emu({"--chats", "500"});
    // +14:00 and a fraction: the count filter and the purge body carry the same UTC instant.
    auto e = execute(purge, R"({"period":{"Start":"2025-03-01T14:00:00.250+14:00","Stop":"2025-03-31T23:59:59-12:00"},"options":{"dryRun":true}})",
                     emu.credentials());
    REQUIRE(e.status == WFNODE_OK);
    auto out = parse(e.items[0].json);
    CHECK(std::string(out["period"]["Start"].GetString()) == "2025-03-01T00:00:00.25Z");
    CHECK(std::string(out["period"]["Stop"].GetString()) == "2025-04-01T11:59:59Z");
    auto joined = [&] {
        std::string all;
        for (const auto &r : emu.requests()) all += r + "\n";
        return all;
    };
    CHECK(joined().find("TimeSent%20ge%202025-03-01T00%3A00%3A00.25Z%20and%20TimeSent%20le%202025-04-01T11%3A59%3A59Z") !=
          std::string::npos);

    auto top = execute(download, R"({"clientTimeZone":"UTC","options":{"top":3,"skip":2}})", emu.credentials());
    REQUIRE(top.status == WFNODE_OK);
    CHECK(top.items.size() == 3);
    CHECK(joined().find("$top=3&$skip=2") != std::string::npos);
}

TEST_CASE("purge safety as a user checks it: the chats left are exactly the chats that should be left") {
    struct Case {
        std::string params;
        std::string start, stop;  // the instants that should go (inclusive); empty: open
        bool purges;
    };
    const std::vector<Case> cases{
        {R"({"period":{"Start":"2025-05-01T00:00:00+02:00","Stop":"2025-05-31T23:59:59+02:00"}})", "2025-04-30T22:00:00Z", "2025-05-31T21:59:59Z", true},
        {R"({"period":"{\"Stop\":\"2025-02-01T00:00:00Z\"}"})", "", "2025-02-01T00:00:00Z", true},
        {R"({"period":{"Start":"2025-12-01T00:00:00Z"},"confirmPurgeAll":true})", "2025-12-01T00:00:00Z", "", true},
        {R"({"period":{"Start":"2025-05-01T00:00:00Z","Stop":"2025-06-01T00:00:00Z"},"options":{"dryRun":true}})", "", "", false},
        {R"({"period":{"All":true},"options":{"dryRun":true}})", "", "", false},
    };
    for (const auto &c : cases) {
        INFO(c.params);
        EmulatorProcess emu({"--chats", "2000"});
        auto all_records = [&] {
            std::vector<std::string> times;
            for (const auto &r : records(execute(download, R"({"clientTimeZone":"UTC","options":{"returnAll":true}})", emu.credentials())))
                times.emplace_back(r["TimeSent"].GetString());
            return times;
        };
        auto before = all_records();
        REQUIRE(before.size() == 2000);
        auto e = execute(purge, c.params, emu.credentials());
        REQUIRE(e.status == WFNODE_OK);
        auto after = all_records();
        std::vector<std::string> expected;
        for (const auto &t : before) {
            auto at = *wfplugin::iso8601::parse(t);
            bool goes = c.purges && (c.start.empty() || at >= *wfplugin::iso8601::parse(c.start)) &&
                        (c.stop.empty() || at <= *wfplugin::iso8601::parse(c.stop));
            if (!goes) expected.push_back(t);
        }
        CHECK(after == expected);
        CHECK(emu.counter("purges") == (c.purges ? 1 : 0));
    }
}

TEST_CASE("secrets never come back: not from the plugin, not from a server that echoes them") {
    const std::string key = "K3y-sEcr3t-7781";
    EmulatorProcess emu({"--client-secret", key, "--echo", "1"});
    // The server echoes the bearer token in its error: the error reaches the host redacted.
    auto e = execute(download, R"({"clientTimeZone":"UTC","options":{"top":1}})", emu.credentials(key));
    CHECK(e.status == WFNODE_ERR_API);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].message.find("Authorization: Bearer [redacted]") != std::string::npos);
    CHECK(e.errors[0].message.find("emu-") == std::string::npos);
    // A refused key echoed by the token endpoint: redacted too.
    auto wrong = execute(download, R"({"clientTimeZone":"UTC"})", emu.credentials(key + "-wrong"));
    CHECK(wrong.status == WFNODE_ERR_AUTH);
    REQUIRE(wrong.errors.size() == 1);
    CHECK(wrong.errors[0].message.find("Invalid client credentials: [redacted]") != std::string::npos);
    CHECK(wrong.errors[0].message.find(key) == std::string::npos);
    for (const auto &l : e.logs) CHECK(l.find(key) == std::string::npos);

    // A server writing the token and the key back into a record, every character escaped
    // (\u0074...) or behind a \/: decoded by whoever reads the item, they must not be there.
    emu.admin_post("/admin/faults", R"({"echoInRecords":true})");
    auto echoed = execute(download, R"({"clientTimeZone":"UTC","options":{"top":3}})", emu.credentials(key));
    CHECK(echoed.status == WFNODE_OK);
    REQUIRE(echoed.items.size() == 3);  // the two echoing records, then one chat (Top caps what a server overshoots)
    const std::string first = parse(echoed.items[0].json)["Message"].GetString();
    CHECK(first == "[redacted]");
    CHECK(std::string(parse(echoed.items[0].json)["Note"].GetString()) == "[redacted]");
    CHECK(std::string(parse(echoed.items[1].json)["Path"].GetString()) == "/[redacted]");
    for (const auto &i : echoed.items) {
        auto doc = parse(i.json);
        for (const auto &m : doc.GetObject())
            if (m.value.IsString()) {
                CHECK(std::string(m.value.GetString()).find(key) == std::string::npos);
                CHECK(std::string(m.value.GetString()).find("emu-") == std::string::npos);
            }
    }
}

TEST_CASE("a secret spelled with escapes among an OData writer's escapes is redacted, every other record passes as sent") {
    // A server that escapes every non-ASCII character (as a real 3CX does) and also writes the
    // token and the key back into a record, every character \u-escaped. A plain ASCII key, and
    // one with a non-ASCII character (then those escapes can spell part of it, and are read).
    for (const std::string key : {"K3y-sEcr3t-7781", "Schl\xC3\xBCssel-7781"}) {
        CAPTURE(key);
        EmulatorProcess emu({"--client-secret", key, "--escape-non-ascii", "--chats", "300"});
        emu.admin_post("/admin/faults", R"({"echoInRecords":true})");
        auto e = execute(download, R"({"clientTimeZone":"UTC","options":{"top":300}})", emu.credentials(key));
        CHECK(e.status == WFNODE_OK);
        REQUIRE(e.items.size() == 300);  // the two echoing records, then 298 chats
        auto echoed = parse(e.items[0].json);
        CHECK(std::string(echoed["Message"].GetString()) == "[redacted]");
        CHECK(std::string(echoed["Note"].GetString()) == "[redacted]");
        CHECK(std::string(parse(e.items[1].json)["Path"].GetString()) == "/[redacted]");
        // The same request to a server with the same data and no echo, read here: each other
        // record is that server's own bytes, escapes and all (none was read and written again).
        std::string target;
        for (const auto &r : emu.requests())
            if (r.rfind("GET /xapi/", 0) == 0) target = r.substr(4);
        EmulatorProcess same_data({"--escape-non-ascii", "--chats", "300"});
        const auto page = same_data.xapi(target);
        REQUIRE(page.status == 200);
        size_t escaped = 0;
        for (size_t i = 2; i < e.items.size(); ++i) {
            const std::string &json = e.items[i].json;
            CHECK(page.body.find(json) != std::string::npos);
            escaped += json.find("\\u") != std::string::npos;
            auto doc = parse(json);
            for (const auto &m : doc.GetObject())
                if (m.value.IsString()) CHECK(std::string(m.value.GetString()).find(key) == std::string::npos);
        }
        CHECK(escaped > 200);  // the test is not vacuous: most records hold escapes
    }
}

TEST_CASE("the validate extension checks every item and runs nothing, and a plugin without it still runs") {
    EmulatorProcess emu;
    wfnode::ExecuteCall call;
    call.node_type = purge;
    call.credentials = emu.credentials();
    call.parameters = R"({"period":{"Stop":"2025-01-01T00:00:00Z"}})";
    call.items = {"{}", "{}", "{}"};
    call.item_parameters = {std::string(R"({"period":{"All":true}})"), std::nullopt,
                            std::string(R"({"period":{"Stop":"2025-13-01T00:00:00Z"}})")};
    std::vector<wfnode::Error> errors;
    int items = 0;
    wfnode::ExecuteCallbacks cb;
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    cb.on_item = [&](uint32_t, std::string_view) { return ++items, true; };
    auto status = plugin().validate(call, cb);
    REQUIRE(status.has_value());
    CHECK(*status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].item_index == 0);
    CHECK(errors[0].field == "confirmPurgeAll");
    CHECK(errors[1].item_index == 2);
    CHECK(errors[1].field == "period.Stop");
    CHECK(items == 0);
    call.item_parameters.clear();
    errors.clear();
    CHECK(plugin().validate(call, cb) == std::optional<wfnode_status>(WFNODE_OK));
    CHECK(errors.empty());
    CHECK(emu.counter("requests") == 0);
    CHECK(emu.counter("tokenRequests") == 0);

    // A 1.0 plugin that offers no extension: no validation to ask for, and it still runs.
    wfnode::Plugin plain(NO_EXTENSIONS_PLUGIN_PATH);
    wfnode::ExecuteCall c;
    c.node_type = "test.constant";
    c.items = {"{}"};
    CHECK_FALSE(plain.validate(c, cb).has_value());
    auto ran = execute_on(plain, "test.constant", "{}", "null");
    CHECK(ran.status == WFNODE_OK);
    REQUIRE(ran.items.size() == 1);
    CHECK(ran.items[0].json == R"({"n":1})");
    auto r = run({NODEHOST_PATH, "exec", NO_EXTENSIONS_PLUGIN_PATH, "test.constant"});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "{\"n\":1}\n");
}
