// ABI versions both ways, for what the 1.2 extension added: a plugin built from the frozen
// 1.0 headers loads in this host, runs, and offers no options; the 1.2 plugin offers them.
// (A host built from the 1.0 headers running this plugin is the abi_old_host test.)
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

using namespace testsupport;

TEST_CASE("ABI 1.2: a plugin built from the 1.0 headers loads runs and offers no options") {
    wfnode::Plugin old(ABI10_PLUGIN_PATH);
    CHECK(old.api().abi_version.major == 1);
    CHECK(old.api().abi_version.minor == 0);
    CHECK(old.api().struct_size < sizeof(wfnode_plugin) + 1);
    CHECK_FALSE(old.offers_options());
    wfnode::ExecuteCallbacks cb;
    int choices = 0;
    cb.on_item = [&](uint32_t, std::string_view) { return ++choices, true; };
    CHECK_FALSE(old.load_options({"test.constant", "x", "{}", "null"}, cb).has_value());
    CHECK(choices == 0);
    auto e = execute_on(old, "test.constant", "{}", "null", {"{}", "{}"});
    CHECK(e.status == WFNODE_OK);
    CHECK(e.items.size() == 2);

    auto r = run({NODEHOST_PATH, "options", ABI10_PLUGIN_PATH, "test.constant", "x"});
    CHECK(r.exit_code == 1);
    CHECK(r.out == "");
    CHECK(r.err == std::string("nodehost: ") + ABI10_PLUGIN_PATH +
                       " (ABI 1.0.0) offers no options: it does not implement wfnode.options/1 (ABI 1.2)\n");
}

TEST_CASE("ABI 1.2: clientTimeZone offers the zones of the PBX") {
    EmulatorProcess emu;
    CHECK(plugin().offers_options());
    wfnode::ExecuteCallbacks cb;
    std::vector<std::string> choices;
    std::vector<wfnode::Error> errors;
    cb.on_item = [&](uint32_t, std::string_view c) { return choices.emplace_back(c), true; };
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    auto status = plugin().load_options({"threecx.downloadChatHistory", "clientTimeZone", "{}", emu.credentials()}, cb);
    REQUIRE(status.has_value());
    CHECK(*status == WFNODE_OK);
    CHECK(errors.empty());
    REQUIRE(choices.size() == 3);
    CHECK(choices[0] == R"({"name":"(UTC+01:00) Berlin","value":"Europe/Berlin","description":"W. Europe Standard Time"})");
    bool asked = false;
    for (const auto &r : emu.requests()) asked = asked || r.starts_with("GET /xapi/v1/Defs/TimeZones");
    CHECK(asked);

    auto r = run({NODEHOST_PATH, "options", PLUGIN_PATH, "threecx.downloadChatHistory", "clientTimeZone", "--credentials",
                  emu.credentials_argument()});
    CHECK(r.exit_code == 0);
    CHECK(r.out == "Europe/Berlin\t(UTC+01:00) Berlin\nEtc/UTC\t(UTC) Coordinated Universal Time\n"
                   "America/New_York\t(UTC-05:00) Eastern Time\n");
}

TEST_CASE("ABI 1.2: options of a field without a source or with bad credentials are errors as data") {
    EmulatorProcess emu;
    wfnode::ExecuteCallbacks cb;
    std::vector<wfnode::Error> errors;
    int choices = 0;
    cb.on_item = [&](uint32_t, std::string_view) { return ++choices, true; };
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    auto none = plugin().load_options({"threecx.downloadChatHistory", "options.top", "{}", emu.credentials()}, cb);
    CHECK(none == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field == "options.top");

    errors.clear();
    auto refused = plugin().load_options({"threecx.downloadChatHistory", "clientTimeZone", "{}", emu.credentials("wrong-key")}, cb);
    CHECK(refused == WFNODE_ERR_AUTH);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message.find("wrong-key") == std::string::npos);
    CHECK(choices == 0);
    for (const auto &r : emu.requests()) CHECK(r.find("/Defs/TimeZones") == std::string::npos);  // the token was refused first
}

TEST_CASE("ABI 1.2: hostile options calls are refused before any request") {
    // A field path of 100,000 dots, a path into a scalar, parameters that are not JSON or hold
    // a duplicate key: each an error naming what is wrong, and the emulator asked nothing.
    EmulatorProcess emu;
    wfnode::ExecuteCallbacks cb;
    std::vector<wfnode::Error> errors;
    cb.on_item = [&](uint32_t, std::string_view) { return true; };
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    struct Case {
        std::string field, parameters;
        wfnode_status status;
    };
    const std::vector<Case> cases{
        {std::string(100000, '.'), "{}", WFNODE_ERR_INVALID_INPUT},
        {"clientTimeZone.x.y", "{}", WFNODE_ERR_INVALID_INPUT},
        {"", "{}", WFNODE_ERR_INVALID_INPUT},
        {"clientTimeZone", "{\"a\":", WFNODE_ERR_INVALID_INPUT},
        {"clientTimeZone", R"({"a":1,"a":2})", WFNODE_ERR_INVALID_INPUT},
        {"clientTimeZone", "[]", WFNODE_ERR_INVALID_INPUT},
    };
    for (const auto &c : cases) {
        INFO(c.field.substr(0, 40) << " / " << c.parameters);
        errors.clear();
        auto status = plugin().load_options({"threecx.downloadChatHistory", c.field, c.parameters, emu.credentials()}, cb);
        CHECK(status == c.status);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].message.size() < 400);  // a long field is never repeated whole
    }
    CHECK(emu.counter("requests") == 0);
}

TEST_CASE("ABI 1.2: a schema naming an options source its node does not serve is told before any request") {
    // The third node's schema names the source "echoes", which test.echo does not serve.
    wfnode::Plugin p(THIRD_NODE_PLUGIN_PATH);
    wfnode::ExecuteCallbacks cb;
    std::vector<wfnode::Error> errors;
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    auto status = p.load_options({"test.echo", "message", "{}", "null"}, cb);
    CHECK(status == WFNODE_ERR_INTERNAL);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message == "the schema of test.echo names the options source \"echoes\", which the node does not serve");
    CHECK(errors[0].field == "message");
}
