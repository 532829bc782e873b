// Auth and transport: one token and one connection per client, recovery from a revoked
// token, error bodies of every kind reaching the user, TLS, and no secret in any output.
// (A token's refresh before it expires is timed by an injected clock: xapi_client_test.)
#include "emulator_process.hpp"
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

using namespace testsupport;

namespace {
constexpr const char *node = "threecx.downloadChatHistory";
constexpr const char *params = R"({"clientTimeZone":"UTC","options":{"top":3}})";
}  // namespace

TEST_CASE("many items in one execution: exactly one token request and one connection") {
    EmulatorProcess emu({"--chats", "100"});
    auto e = execute(node, params, emu.credentials(), std::vector<std::string>(8, "{}"));
    REQUIRE(e.status == WFNODE_OK);
    CHECK(e.items.size() == 24);
    CHECK(emu.counter("tokenRequests") == 1);
    CHECK(emu.counter("connections") == 1);
    CHECK(emu.counter("requests") == 9);
    // Every page was offered compressed (gzip accepted) and still parsed to the same records.
    CHECK(emu.counter("compressibleResponses") == 8);
    // A second execution reuses both the token and the pooled connection.
    REQUIRE(execute(node, params, emu.credentials()).status == WFNODE_OK);
    CHECK(emu.counter("tokenRequests") == 1);
    CHECK(emu.counter("connections") == 1);
}

TEST_CASE("executions on several threads share one token") {
    EmulatorProcess emu({"--chats", "100"});
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) ok += execute(node, params, emu.credentials()).status == WFNODE_OK;
        });
    for (auto &t : threads) t.join();
    CHECK(ok == 20);
    CHECK(emu.counter("tokenRequests") == 1);
    CHECK(emu.counter("unauthorised") == 0);
}

TEST_CASE("a token invalidated mid-run is recovered once") {
    EmulatorProcess emu({"--chats", "100"});
    bool revoked = false;
    auto e = execute(node, params, emu.credentials(), {"{}", "{}", "{}"}, false, [&](const Output &o) {
        if (!revoked && o.paired == 0) {
            emu.admin_post("/admin/revoke-token");  // as if another process took a new token
            revoked = true;
        }
    });
    REQUIRE(e.status == WFNODE_OK);
    CHECK(e.items.size() == 9);
    CHECK(emu.counter("unauthorised") == 1);
    CHECK(emu.counter("tokenRequests") == 2);
    CHECK(std::any_of(e.logs.begin(), e.logs.end(), [](const auto &l) { return l.find("HTTP 401") != std::string::npos; }));
}

TEST_CASE("a refused key: the server's token error, never the key") {
    EmulatorProcess emu({"--chats", "10"});
    const std::string key = "wrong-key-5f2c";
    auto e = execute(node, params, emu.credentials(key));
    CHECK(e.status == WFNODE_ERR_AUTH);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].http_status == 400);
    CHECK(e.errors[0].message.find("invalid_client") != std::string::npos);
    CHECK(e.errors[0].message.find(key) == std::string::npos);
    // A wrong key never gets the token a right key obtained.
    REQUIRE(execute(node, params, emu.credentials()).status == WFNODE_OK);
    CHECK(execute(node, params, emu.credentials(key)).status == WFNODE_ERR_AUTH);
}

TEST_CASE("error bodies of every kind reach the user") {
    EmulatorProcess emu({"--chats", "50"});
    REQUIRE(execute(node, params, emu.credentials()).status == WFNODE_OK);
    // One try only, so each fault reaches the user (retries are tested in reliability_test).
    const char *params = R"({"clientTimeZone":"UTC","options":{"top":3,"maxTries":1}})";
    const char *all = R"({"clientTimeZone":"UTC","options":{"maxTries":1}})";

    emu.admin_post("/admin/faults", R"({"htmlError":1})");
    auto html = execute(node, params, emu.credentials());
    REQUIRE(html.errors.size() == 1);
    CHECK(html.errors[0].http_status == 502);
    CHECK(html.errors[0].message.find("text/html body that is not an OData error: <html><head><title>502 Bad Gateway") != std::string::npos);

    emu.admin_post("/admin/faults", R"({"status503":1})");
    auto unavailable = execute(node, params, emu.credentials());
    REQUIRE(unavailable.errors.size() == 1);
    CHECK(unavailable.errors[0].message.find("HTTP 503 ServiceUnavailable") != std::string::npos);

    emu.admin_post("/admin/faults", R"({"status429":1})");
    auto throttled = execute(node, params, emu.credentials());
    REQUIRE(throttled.errors.size() == 1);
    CHECK(throttled.errors[0].http_status == 429);
    CHECK(throttled.errors[0].api_code == "TooManyRequests");

    emu.admin_post("/admin/faults", R"({"malformedJson":1})");
    auto malformed = execute(node, all, emu.credentials());
    REQUIRE(malformed.errors.size() == 1);
    CHECK(malformed.errors[0].message.find("not valid JSON") != std::string::npos);

    emu.admin_post("/admin/faults", R"({"resetMidBody":1})");
    auto reset = execute(node, all, emu.credentials());
    REQUIRE(reset.errors.size() == 1);
    CHECK(reset.errors[0].status == WFNODE_ERR_NETWORK);
    CHECK(reset.errors[0].message.find("127.0.0.1:" + std::to_string(emu.port())) != std::string::npos);

    // After all that, the next execution works again.
    CHECK(execute(node, params, emu.credentials()).status == WFNODE_OK);
}

TEST_CASE("connection failures say what failed and where") {
    auto e = execute(node, params, R"({"baseUrl":"http://127.0.0.1:1","clientId":"c","apiKey":"k-123"})");
    CHECK(e.status == WFNODE_ERR_NETWORK);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].message.find("cannot connect to http://127.0.0.1:1") != std::string::npos);
}

TEST_CASE("TLS: a self-signed PBX is refused unless ignoreTlsIssues is set") {
    EmulatorProcess emu({"--chats", "10", "--tls"});
    const std::string url = "https://127.0.0.1:" + std::to_string(emu.port());
    auto strict = execute(node, params, R"({"baseUrl":")" + url + R"(","clientId":")" + emu.client_id() + R"(","apiKey":"demo-secret"})");
    CHECK(strict.status == WFNODE_ERR_NETWORK);
    REQUIRE(strict.errors.size() == 1);
    CHECK(strict.errors[0].message.find("ignoreTlsIssues") != std::string::npos);
    auto relaxed = execute(node, params,
                           R"({"baseUrl":")" + url + R"(","clientId":")" + emu.client_id() + R"(","apiKey":"demo-secret","ignoreTlsIssues":true})");
    CHECK(relaxed.status == WFNODE_OK);
    CHECK(relaxed.items.size() == 3);
}

TEST_CASE("cancellation stops an execution between requests") {
    EmulatorProcess emu({"--chats", "5000", "--page-cap", "100"});
    wfnode::ExecuteCall call;
    call.node_type = node;
    call.parameters = R"({"clientTimeZone":"UTC","options":{"returnAll":true}})";
    call.credentials = emu.credentials();
    call.items = {"{}"};
    size_t items = 0;
    std::vector<wfnode::Error> errors;
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t, std::string_view) { return ++items, true; };
    cb.on_error = [&](const wfnode::Error &e) { errors.push_back(e); };
    cb.is_cancelled = [&] { return items >= 250; };
    CHECK(plugin().execute(call, cb) == WFNODE_ERR_CANCELLED);
    CHECK(items < 5000);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].status == WFNODE_ERR_CANCELLED);
}

TEST_CASE("a host that stops reading mid-page leaves the pooled connection usable") {
    EmulatorProcess emu({"--chats", "20000"});
    wfnode::ExecuteCall call;
    call.node_type = node;
    call.parameters = R"({"clientTimeZone":"UTC","options":{"top":20000}})";  // one page of about 10 MB
    call.credentials = emu.credentials();
    call.items = {"{}"};
    size_t items = 0;
    wfnode::ExecuteCallbacks cb;
    cb.on_item = [&](uint32_t, std::string_view) { return ++items < 1000; };
    CHECK(plugin().execute(call, cb) == WFNODE_ERR_ABORTED_BY_HOST);
    CHECK(items == 1000);
    // The next execution reuses the pooled handle that was paused mid-transfer.
    auto again = execute(node, R"({"clientTimeZone":"UTC","options":{"top":20000}})", emu.credentials());
    REQUIRE(again.status == WFNODE_OK);
    CHECK(again.items.size() == 20000);
}

namespace {

// $XDG_CACHE_HOME for one test, put back afterwards (no execution runs while it changes).
struct CacheHome {
    std::optional<std::string> before;
    explicit CacheHome(const std::string &path) {
        if (const char *v = std::getenv("XDG_CACHE_HOME")) before = v;
        ::setenv("XDG_CACHE_HOME", path.c_str(), 1);
    }
    ~CacheHome() {
        if (before) ::setenv("XDG_CACHE_HOME", before->c_str(), 1);
        else ::unsetenv("XDG_CACHE_HOME");
    }
};

struct TempFolder {
    std::filesystem::path path;
    TempFolder() {
        char name[] = "/tmp/token-cache-attack-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        path = name;
    }
    ~TempFolder() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

size_t cache_warnings(const Execution &e) {
    return static_cast<size_t>(std::count_if(e.logs.begin(), e.logs.end(), [](const std::string &l) {
        return l.find("the token cache is not used") != std::string::npos;
    }));
}

}  // namespace

TEST_CASE("a token cache another user planted: one warning per execution, and the export still works") {
    namespace fs = std::filesystem;
    REQUIRE_MESSAGE(::geteuid() == 0, "the scene is planted as another user (nobody): this test needs root (CI runs as root)");
    constexpr uid_t nobody = 65534;
    const TempFolder scratch;
    const fs::path root = scratch.path, shared = root / "shared", outside = root / "outside";
    REQUIRE(::mkdir(shared.c_str(), 0700) == 0);
    REQUIRE(::chmod(shared.c_str(), 01777) == 0);  // a shared cache home, like /tmp
    REQUIRE(::mkdir(outside.c_str(), 0700) == 0);
    REQUIRE(::chmod(outside.c_str(), 0755) == 0);  // a folder of ours the old cache chmod-ed to 0700
    const fs::path planted = shared / "wfnode";
    std::string what;
    SUBCASE("wfnode planted as a link to a folder of ours") {
        REQUIRE(::symlink(outside.c_str(), planted.c_str()) == 0);
        REQUIRE(::lchown(planted.c_str(), nobody, nobody) == 0);
        what = "is a symbolic link";
    }
    SUBCASE("wfnode planted as another user's folder, open to all") {
        REQUIRE(::mkdir(planted.c_str(), 0700) == 0);
        REQUIRE(::chown(planted.c_str(), nobody, nobody) == 0);
        REQUIRE(::chmod(planted.c_str(), 0777) == 0);
        what = "is owned by uid 65534, not by this user (uid 0)";
    }
    struct stat st{};
    REQUIRE(::lstat(planted.c_str(), &st) == 0);
    REQUIRE(st.st_uid == nobody);  // the scene is set as the other user would set it
    const CacheHome home(shared.string());

    EmulatorProcess emu({"--chats", "100"});
    bool revoked = false;
    // The token is revoked after the first item, so this execution fetches two tokens.
    auto e = execute(node, params, emu.credentials(), {"{}", "{}", "{}"}, false, [&](const Output &o) {
        if (!revoked && o.paired == 0) {
            emu.admin_post("/admin/revoke-token");
            revoked = true;
        }
    });
    REQUIRE(e.status == WFNODE_OK);
    CHECK(e.items.size() == 9);
    CHECK(emu.counter("tokenRequests") == 2);
    REQUIRE(cache_warnings(e) == 1);
    const std::string warning = *std::find_if(e.logs.begin(), e.logs.end(), [](const std::string &l) {
        return l.find("the token cache is not used") != std::string::npos;
    });
    CHECK_MESSAGE(warning.find(planted.string() + " " + what) != std::string::npos, warning);
    CHECK(warning.find("demo-secret") == std::string::npos);

    // The next execution that needs a token warns once again.
    emu.admin_post("/admin/revoke-token");
    auto next = execute(node, params, emu.credentials());
    REQUIRE(next.status == WFNODE_OK);
    CHECK(next.items.size() == 3);
    CHECK(emu.counter("tokenRequests") == 3);
    CHECK(cache_warnings(next) == 1);

    // Nothing was made or changed outside the cache, nor in the other user's folder.
    REQUIRE(::lstat(outside.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0755);
    CHECK(fs::is_empty(outside));
    if (fs::is_directory(fs::symlink_status(planted))) CHECK(fs::is_empty(planted));
}
