// nodehost, the reference host, as a person uses it from a shell.
#include "emulator_process.hpp"

#include <doctest/doctest.h>
#include <wfplugin/iso8601.hpp>

#include <fstream>

using namespace testsupport;
using namespace wfplugin;

TEST_CASE("nodehost list: one line per node, type TAB display name") {
    auto r = run({NODEHOST_PATH, "list", PLUGIN_PATH});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "threecx.downloadChatHistory\tDownload Chat History\nthreecx.purgeChats\tPurge Chats\nthreecx.xapi\t3CX\n");
}

TEST_CASE("nodehost reports loader errors clearly") {
    auto missing = run({NODEHOST_PATH, "list", "/nope/plugin.so"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "nodehost: error: plugin not found: /nope/plugin.so\n");
    auto abi2 = run({NODEHOST_PATH, "list", ABI2_PLUGIN_PATH});
    CHECK(abi2.exit_code == 2);
    CHECK(abi2.err.find("this host supports ABI 1.x") != std::string::npos);
}

TEST_CASE("nodehost exec: {{ $json.field }} gives each input item its own time window") {
    EmulatorProcess emu({"--chats", "3000"});
    const std::string input =
        R"({"from":"2025-02-01T00:00:00Z","to":"2025-02-03T00:00:00Z"})"
        "\n"
        R"({"from":"2025-07-01T00:00:00Z","to":"2025-07-02T00:00:00Z"})"
        "\n\n"
        R"({"from":"2025-11-11T00:00:00Z","to":"2025-11-12T00:00:00Z"})"
        "\n";
    auto r = run({NODEHOST_PATH, "exec", PLUGIN_PATH, "threecx.downloadChatHistory", "--envelope", "--params",
                  R"({"clientTimeZone":"UTC","options":{"filter":"TimeSent ge {{ $json.from }} and TimeSent lt {{$json.to}}"}})",
                  "--credentials", emu.credentials_argument(), "--input", "-"},
                 input);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err == "");
    const char *windows[3][2] = {{"2025-02-01T00:00:00Z", "2025-02-03T00:00:00Z"},
                                 {"2025-07-01T00:00:00Z", "2025-07-02T00:00:00Z"},
                                 {"2025-11-11T00:00:00Z", "2025-11-12T00:00:00Z"}};
    int per_item[3] = {0, 0, 0};
    for (const auto &line : lines(r.out)) {
        auto d = parse(line);
        int paired = d["pairedItem"].GetInt();
        REQUIRE(paired >= 0);
        REQUIRE(paired < 3);
        ++per_item[paired];
        auto t = *iso8601::parse(d["json"]["TimeSent"].GetString());
        CHECK(t >= *iso8601::parse(windows[paired][0]));
        CHECK(t < *iso8601::parse(windows[paired][1]));
    }
    for (int n : per_item) CHECK(n > 0);
}

TEST_CASE("nodehost exec: errors go to stderr with a non-zero status, continue-on-fail yields error items") {
    EmulatorProcess emu({"--chats", "100"});
    std::string dir = "/tmp/nodehost-test-" + std::to_string(emu.port());
    std::ofstream(dir + "-params.json") << R"({"clientTimeZone":"UTC","options":{"top":"{{ $json.top }}"}})";
    const std::string input = "{\"top\":2}\n{\"top\":-1}\n{\"top\":1}\n";

    auto failing = run({NODEHOST_PATH, "exec", PLUGIN_PATH, "threecx.downloadChatHistory", "--params", "@" + dir + "-params.json",
                        "--credentials", emu.credentials_argument(), "--input", "-"},
                       input);
    CHECK(failing.exit_code == 1);
    CHECK(failing.out == "");
    CHECK(failing.err == "nodehost: error: item 1: options.top must be >= 0, got -1 [invalid input; field options.top]\n");

    auto tolerant = run({NODEHOST_PATH, "exec", PLUGIN_PATH, "threecx.downloadChatHistory", "--continue-on-fail", "--params",
                         "@" + dir + "-params.json", "--credentials", emu.credentials_argument(), "--input", "-"},
                        input);
    CHECK(tolerant.exit_code == 1);  // the others ran, but the run is not a success
    auto out = lines(tolerant.out);
    REQUIRE(out.size() == 4);
    auto error_item = parse(out[2]);  // in item order: two records of item 0, the error of item 1, a record of item 2
    CHECK(std::string(error_item["error"].GetString()) == "options.top must be >= 0, got -1");
    CHECK(std::string(error_item["field"].GetString()) == "options.top");
    CHECK(error_item["pairedItem"].GetInt() == 1);
    std::remove((dir + "-params.json").c_str());
}

TEST_CASE("nodehost exec: an expression naming a missing field is an error naming item and parameter") {
    auto r = run({NODEHOST_PATH, "exec", PLUGIN_PATH, "threecx.downloadChatHistory", "--params",
                  R"({"clientTimeZone":"{{ $json.zone }}"})", "--credentials",
                  R"({"baseUrl":"http://127.0.0.1:9","clientId":"c","apiKey":"k"})", "--input", "-"},
                 "{\"zone\":\"UTC\"}\n{\"tz\":\"UTC\"}\n");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("item 1: parameters.clientTimeZone: $json.zone is not set in this item") != std::string::npos);
}

// Sanitizers multiply memory use; the bound below is for the plain build.
#ifndef WFNODE_SANITIZED
TEST_CASE("streaming: exporting 200,000 chats keeps nodehost's memory flat") {
    EmulatorProcess emu({"--chats", "200000"});
    auto r = run({NODEHOST_PATH, "exec", PLUGIN_PATH, "threecx.downloadChatHistory", "--params",
                  R"({"clientTimeZone":"Europe/Berlin","options":{"returnAll":true,"pageSize":50000}})", "--credentials",
                  emu.credentials_argument()});
    REQUIRE(r.exit_code == 0);
    CHECK(lines(r.out).size() == 200000);
    // Pages of 50,000 records are about 24 MB each and the export about 96 MB; records are
    // handed on as they are parsed, so neither a page nor the export is ever held whole.
    CHECK(r.out.size() > 90'000'000);
    CHECK(r.max_rss_kb < 30 * 1024);  // a whole page held at once would pass 36 MB
    MESSAGE("peak RSS of nodehost: " << r.max_rss_kb << " KiB for " << r.out.size() << " bytes of output");
}
#endif
