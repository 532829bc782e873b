// `nodehost options ... clientTimeZone` against a Defs/TimeZones that goes wrong: pages that
// never end, display names that drive the terminal, zone names the node would refuse. What a
// person at the terminal checks: the command ends with an error naming the bound, each choice
// is one line with nothing raw in it, and every value offered is one the node then accepts.
#include "emulator_process.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace testsupport;

namespace {

struct Options {
    CommandResult result;
    long zone_requests;  // GET /xapi/v1/Defs/TimeZones... the emulator answered
};

Options time_zone_options(const EmulatorProcess &emu, const std::string &faults, std::vector<std::string> extra = {}) {
    emu.admin_post("/admin/faults", faults);
    std::vector<std::string> argv{NODEHOST_PATH, "options", PLUGIN_PATH, "threecx.downloadChatHistory", "clientTimeZone",
                                  "--credentials", emu.credentials_argument()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    Options o{run(argv), 0};
    for (const auto &r : emu.requests()) o.zone_requests += r.starts_with("GET /xapi/v1/Defs/TimeZones");
    return o;
}

bool has_raw_control(const std::string &line) {
    return std::any_of(line.begin(), line.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; }) ||
           line.find("\xc2\x9b") != std::string::npos || line.find("\xe2\x80\xae") != std::string::npos ||
           line.find("\xe2\x80\xa8") != std::string::npos;
}

}  // namespace

TEST_CASE("options: a Defs/TimeZones that links to a new page for ever stops at 100 pages, with an error") {
    EmulatorProcess emu;
    auto o = time_zone_options(emu, R"({"timeZonePagesForever": 10})");
    CHECK(o.result.exit_code == 1);
    CHECK(o.result.out == "");  // no partial list passed off as the whole
    CHECK(o.result.err.find("goes on past 100 pages, the most this plugin follows; no time zones are offered") !=
          std::string::npos);
    CHECK(o.zone_requests == 100);
}

TEST_CASE("options: more than 2000 choices for one field is an error naming the bound, not a cut list") {
    EmulatorProcess emu;
    auto o = time_zone_options(emu, R"({"timeZonePagesForever": 150})");
    CHECK(o.result.exit_code == 1);
    CHECK(o.result.out == "");
    CHECK(o.result.err.find("the server offers more than 2000 choices for clientTimeZone") != std::string::npos);
    CHECK(o.zone_requests == 14);  // the 2001st choice is on the 14th page of 150
}

TEST_CASE("options: display names holding terminal controls print escaped, one line per choice") {
    EmulatorProcess emu;
    auto o = time_zone_options(emu, R"({"timeZoneEscapes": true})");
    CHECK(o.result.exit_code == 0);
    CHECK(o.result.out == "Europe/Berlin\t\\u001b[2J\\u001b[31m(UTC+01:00) Berlin\n"
                          "Etc/UTC\t(UTC)\\u000aEtc/Fake\\u0009injected\n"
                          "America/New_York\t(UTC-05:00) New York\\u009b31m\n"
                          "Asia/Tokyo\t(UTC+09:00) Tokyo \\u202eoykoT\\u2028next\n");
    // --json: the same four choices, each one line of JSON meaning the server's own text.
    auto json = time_zone_options(emu, R"({"timeZoneEscapes": true})", {"--json"});
    CHECK(json.result.exit_code == 0);
    auto lines = testsupport::lines(json.result.out);
    REQUIRE(lines.size() == 4);
    for (const auto &l : lines) CHECK_FALSE(has_raw_control(l));
    CHECK(std::string(parse(lines[0])["name"].GetString()) == "\x1b[2J\x1b[31m(UTC+01:00) Berlin");
    CHECK(std::string(parse(lines[2])["name"].GetString()) == "(UTC-05:00) New York\xc2\x9b" "31m");
    CHECK(std::string(parse(lines[2])["description"].GetString()) == "Eastern\x7f Standard Time");
    CHECK(std::string(parse(lines[3])["name"].GetString()) == "(UTC+09:00) Tokyo \xe2\x80\xae" "oykoT\xe2\x80\xa8next");
}

TEST_CASE("options: only values the node accepts are offered, the others are dropped and counted") {
    EmulatorProcess emu;
    auto o = time_zone_options(emu, R"({"timeZoneInvalid": true})");
    CHECK(o.result.exit_code == 0);
    CHECK(o.result.out == "Europe/Berlin\t(UTC+01:00) Berlin\nEtc/UTC\t(UTC) Coordinated Universal Time\n");
    CHECK(o.result.err == "nodehost: log: 5 of the server's 7 choices for clientTimeZone were dropped: the node would "
                          "refuse them (the first: clientTimeZone is not a known IANA time zone name: "
                          "\"Mars/Olympus_Mons\" (e.g. Europe/Berlin))\n");

    // The same check on both sides: each value offered runs, each value dropped is refused
    // by the node's validation before anything is sent.
    auto exec = [&](const std::string &zone) {
        std::string escaped;
        for (char c : zone) escaped += c == '\x1b' ? std::string("\\u001b") : std::string(1, c);
        return run({NODEHOST_PATH, "exec", PLUGIN_PATH, "threecx.downloadChatHistory", "--params",
                    R"({"clientTimeZone":")" + escaped + R"(","options":{"top":1}})", "--credentials",
                    emu.credentials_argument()});
    };
    for (const char *offered : {"Europe/Berlin", "Etc/UTC"}) {
        INFO(offered);
        CHECK(exec(offered).exit_code == 0);
    }
    const long before = emu.counter("requests");
    for (const char *dropped : {"Mars/Olympus_Mons", "../../etc/passwd", "UTC' or 1 eq 1", "Europe/Berlin\x1b[0m", "localtime"}) {
        INFO(dropped);
        auto r = exec(dropped);
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("[invalid input; field clientTimeZone]") != std::string::npos);
    }
    CHECK(emu.counter("requests") == before);
}
