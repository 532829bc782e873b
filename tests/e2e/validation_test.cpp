// Bad input: each case gives its own error naming the field and the item, and nothing at
// all reaches the server (the emulator's request counter stays at zero).
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

namespace {

struct BadInput {
    const char *node;
    const char *params;     // parameters JSON
    const char *field;      // the field the error must name
    const char *message;    // a part of the message it must give
};

constexpr const char *download = "threecx.downloadChatHistory";
constexpr const char *purge = "threecx.purgeChats";

const BadInput table[] = {
    {download, R"({})", "clientTimeZone", "clientTimeZone is required"},
    {download, R"({"clientTimeZone": ""})", "clientTimeZone", "clientTimeZone must not be empty"},
    {download, R"({"clientTimeZone": "Mars/Olympus_Mons"})", "clientTimeZone", "is not a known IANA time zone name"},
    {download, R"({"clientTimeZone": 42})", "clientTimeZone", "clientTimeZone must be string, got integer"},
    {download, R"({"clientTimeZone": "UTC", "options": {"top": -1}})", "options.top", "options.top must be >= 0, got -1"},
    {download, R"({"clientTimeZone": "UTC", "options": {"top": "10"}})", "options.top", "options.top must be integer, got string"},
    {download, R"({"clientTimeZone": "UTC", "options": {"top": 1.5}})", "options.top", "options.top must be a whole number written without a fraction or exponent"},
    {download, R"({"clientTimeZone": "UTC", "options": {"skip": -3}})", "options.skip", "options.skip must be >= 0"},
    {download, R"({"clientTimeZone": "UTC", "options": {"count": "yes"}})", "options.count", "options.count must be boolean"},
    {download, R"({"clientTimeZone": "UTC", "options": {"search": "a\u0007b"}})", "options.search", "control character (code 7)"},
    {download, R"({"clientTimeZone": "UTC", "options": {"filter": "TimeSent ge\n2025-01-01T00:00:00Z"}})", "options.filter", "control character (code 10)"},
    {download, R"({"clientTimeZone": "UTC", "options": {"select": 5}})", "options.select", "options.select must be string"},
    {download, R"({"clientTimeZone": "UTC", "options": {"limit": 5}})", "options.limit", "options.limit is not a known parameter"},
    {download, R"({"clientTimeZone": "UTC", "timezone": "UTC"})", "timezone", "timezone is not a known parameter"},
    {download, R"({"clientTimeZone": "UTC", "options": {"returnAll": true, "pageSize": 0}})", "options.pageSize", "options.pageSize must be >= 1"},
    {download, R"({"clientTimeZone": "UTC", "options": "top=5"})", "options", "options must be object, got string"},
    {purge, R"({})", "period", "period is required"},
    {purge, R"({"period": "not json"})", "period", "must be a JSON object or a string holding one"},
    {purge, R"({"period": "", "options": {"dryRun": false}})", "period", "period is empty; it must be a JSON object"},  // a form's start
    {purge, R"({"period": 5})", "period", "period must be object or string, got integer"},
    {purge, R"({"period": {"Start": "2025-02-01T00:00:00Z", "Stop": "2025-01-01T00:00:00Z"}})", "period.Start", "period.Start (2025-02-01T00:00:00Z) is after period.Stop (2025-01-01T00:00:00Z)"},
    {purge, R"({"period": "{\"Start\": \"2025-03-01T00:00:00+02:00\", \"Stop\": \"2025-02-28T21:00:00Z\"}"})", "period.Start", "is after period.Stop"},
    {purge, R"({"period": {"Start": "yesterday"}})", "period.Start", "period.Start has an invalid format"},
    {purge, R"({"period": {"Start": "2025-01-01T00:00:00"}})", "period.Start", "period.Start has an invalid format"},
    {purge, R"({"period": {}})", "period", "period must set \"All\": true or at least one of Start and Stop"},
    {purge, R"({"period": {"All": false, "Start": null, "Stop": null}})", "period", "at least one of Start and Stop"},
    {purge, R"({"period": {"All": true}})", "confirmPurgeAll", "set confirmPurgeAll to true"},
    {purge, R"({"period": {"All": true}, "confirmPurgeAll": "true"})", "confirmPurgeAll", "confirmPurgeAll must be boolean"},
    {purge, R"({"period": {"All": true, "Start": "2025-01-01T00:00:00Z"}, "confirmPurgeAll": true})", "period.All", "leave Start and Stop null"},
    {purge, R"({"period": {"All": "yes"}})", "period.All", "period.All must be boolean"},
    {purge, R"({"period": {"Begin": "2025-01-01T00:00:00Z"}})", "period.Begin", "period.Begin is not a known parameter"},
    {purge, R"({"period": {"Start": "2025-01-01T00:00:00Z"}, "options": {"dryRun": 1}})", "options.dryRun", "options.dryRun must be boolean"},
    {download, R"({"clientTimeZone": "UTC",)", "parameters", "parameters is not valid JSON"},
};

}  // namespace

TEST_CASE("a table of bad inputs: each gives its error, naming field and item, and sends nothing") {
    testsupport::EmulatorProcess emu;
    CHECK(std::size(table) >= 20);
    for (const auto &bad : table) {
        const std::string label = std::string(bad.node) + " " + bad.params;
        INFO(label);
        // Two good items around the bad one: the error must name item 1.
        std::string good = std::string(bad.node) == download ? R"({"clientTimeZone":"UTC"})"
                                                              : R"({"period":{"Start":"2025-01-01T00:00:00Z","Stop":"2025-02-01T00:00:00Z"}})";
        wfnode::ExecuteCall call;
        call.node_type = bad.node;
        call.credentials = emu.credentials();
        call.items = {"{}", "{}", "{}"};
        call.item_parameters = {std::nullopt, std::string(bad.params), std::nullopt};
        call.parameters = good;
        std::vector<wfnode::Error> errors;
        int items = 0;
        wfnode::ExecuteCallbacks cb;
        cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
        cb.on_item = [&](uint32_t, std::string_view) { return ++items, true; };
        wfnode_status status = testsupport::plugin().execute(call, cb);
        CHECK(status == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].status == WFNODE_ERR_INVALID_INPUT);
        CHECK(errors[0].item_index == 1);
        CHECK(errors[0].field == bad.field);
        CHECK(errors[0].message.find(bad.message) != std::string::npos);
        CHECK(items == 0);
    }
    CHECK(emu.counter("requests") == 0);
    CHECK(emu.counter("tokenRequests") == 0);
}

TEST_CASE("bad credentials are named, and never echo the key") {
    testsupport::EmulatorProcess emu;
    const std::string key = "s3cr3t-key-value";
    struct Case {
        std::string creds, field, message;
    };
    std::vector<Case> cases{
        {R"({"baseUrl":"ftp://pbx.example.com","clientId":"c","apiKey":")" + key + "\"}", "credentials.baseUrl", "must be an http:// or https:// URL"},
        {R"({"baseUrl":"https://","clientId":"c","apiKey":")" + key + "\"}", "credentials.baseUrl", "credentials.baseUrl"},
        {R"({"baseUrl":"https://user:pw@pbx.example.com","clientId":"c","apiKey":")" + key + "\"}", "credentials.baseUrl", "URL with a host"},
        {R"({"baseUrl":"https://pbx.example.com","apiKey":")" + key + "\"}", "credentials.clientId", "credentials.clientId is required"},
        {R"({"baseUrl":"https://pbx.example.com","clientId":"c","apiKey":""})", "credentials.apiKey", "credentials.apiKey must not be empty"},
        {R"({"baseUrl":"https://pbx.example.com","clientId":"c","apiKey":")" + key + R"(","ignoreTlsIssues":"no"})", "credentials.ignoreTlsIssues", "must be boolean"},
        {"[1]", "credentials", "credentials must be a JSON object"},
    };
    for (const auto &c : cases) {
        INFO(c.creds);
        auto e = testsupport::execute("threecx.downloadChatHistory", R"({"clientTimeZone":"UTC"})", c.creds);
        CHECK(e.status == WFNODE_ERR_INVALID_INPUT);
        REQUIRE(e.errors.size() == 1);
        CHECK(e.errors[0].field == c.field);
        CHECK(e.errors[0].item_index == WFNODE_NO_ITEM);
        CHECK(e.errors[0].message.find(c.message) != std::string::npos);
        CHECK(e.errors[0].message.find(key) == std::string::npos);
    }
    CHECK(emu.counter("requests") == 0);
}

TEST_CASE("continue-on-fail: a bad item yields an error, the good items still run") {
    testsupport::EmulatorProcess emu;
    wfnode::ExecuteCall call;
    call.node_type = "threecx.downloadChatHistory";
    call.credentials = emu.credentials();
    call.parameters = R"({"clientTimeZone":"UTC","options":{"top":2}})";
    call.items = {"{}", "{}", "{}"};
    call.item_parameters = {std::nullopt, std::string(R"({"clientTimeZone":"UTC","options":{"top":-2}})"), std::nullopt};
    call.continue_on_fail = true;
    std::vector<uint32_t> paired;
    std::vector<wfnode::Error> errors;
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t p, std::string_view) { return paired.push_back(p), true; };
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    CHECK(testsupport::plugin().execute(call, cb) == WFNODE_OK);
    CHECK(paired == std::vector<uint32_t>{0, 0, 2, 2});
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].item_index == 1);
    CHECK(errors[0].field == "options.top");
}

TEST_CASE("an unknown node type is an error as data") {
    auto e = testsupport::execute("threecx.nope", "{}", "{}");
    CHECK(e.status == WFNODE_ERR_UNKNOWN_NODE);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].message == "this plugin has no node of type \"threecx.nope\"");
}
