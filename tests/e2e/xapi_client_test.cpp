// The XAPI client and the request layer below it, white-box: each error they can produce
// names its real cause (a table, one row per cause, against the emulator or a closed port),
// and a dry run's client refuses every request that could change the server before it leaves.
#include "emulator_process.hpp"
#include "manual_clock.hpp"
#include "xapi/client.hpp"

#include <doctest/doctest.h>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>

using namespace testsupport;
using namespace threecx;
using wfplugin::NodeError;

namespace {

// A host that keeps what the plugin tells it.
struct Host {
    std::vector<std::string> logs;
    wfnode_host host{};
    Host() {
        host.struct_size = sizeof(host);
        host.host_data = this;
        host.emit_item = [](const wfnode_host *, uint32_t, const char *, size_t) -> wfnode_status { return WFNODE_OK; };
        host.emit_error = [](const wfnode_host *, const wfnode_error *) {};
        host.log = [](const wfnode_host *h, int32_t, const char *m) { static_cast<Host *>(h->host_data)->logs.emplace_back(m); };
    }
};

xapi::Credentials credentials_for(const std::string &base_url, const std::string &client_id) {
    xapi::Credentials c;
    c.base_url = base_url;
    c.client_id = client_id;
    c.api_key = "demo-secret";
    return c;
}

// A loopback port nothing listens on: bound, then closed.
int closed_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a));
    socklen_t n = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &n);
    ::close(fd);
    return ntohs(a.sin_port);
}

xapi::RequestOptions quick() {
    xapi::RequestOptions o;
    o.retry.max_tries = 1;
    o.deadline = std::chrono::milliseconds(3000);
    return o;
}

// Runs `call` on a fresh client; the NodeError it ends with (status INTERNAL "no error" when none).
NodeError outcome(const xapi::Credentials &creds, bool dry_run,
                  const std::function<void(xapi::Client &)> &call) {
    Host h;
    wfplugin::ExecutionContext ctx(h.host, 1, dry_run);
    try {
        xapi::Client client(creds, ctx);
        call(client);
    } catch (const NodeError &e) {
        return e;
    }
    return NodeError(WFNODE_OK, "no error");
}

void get_records(xapi::Client &c, const std::string &path) {
    c.get_collection(path, [](const xapi::Record &) {}, [](int64_t) {}, quick());
}

}  // namespace

TEST_CASE("every error of the request layer and the XAPI client names its real cause") {
    EmulatorProcess emu({"--chats", "20"});
    const auto creds = credentials_for(emu.base_url(), emu.client_id());
    struct Row {
        const char *cause;
        std::function<void()> arrange;
        xapi::Credentials creds;
        std::function<void(xapi::Client &)> call;
        wfnode_status status;
        int http_status;
        std::string message;  // a part of the message that names the cause
    };
    const std::string long_filter(9000, 'a');
    const int port = closed_port();
    std::vector<Row> rows = {
        {"nothing listens on the port", [] {}, credentials_for("http://127.0.0.1:" + std::to_string(port), "x"),
         [](xapi::Client &c) { get_records(c, "/ChatHistoryView"); }, WFNODE_ERR_NETWORK, 0,
         "cannot connect to http://127.0.0.1:" + std::to_string(port)},
        {"a request line longer than a server takes", [] {}, creds,
         [&](xapi::Client &c) { get_records(c, "/ChatHistoryView?$filter=" + long_filter); }, WFNODE_ERR_INVALID_INPUT, 0,
         "the request line would be 9"},
        {"a token answer too large to be one", [&] { emu.admin_post("/admin/faults", R"({"hugeTokenAnswer":true})"); }, creds,
         [](xapi::Client &c) { get_records(c, "/ChatHistoryView"); }, WFNODE_ERR_API, 200,
         "more than the 64 KiB a token answer may take"},
        {"the server's OData error", [&] { emu.admin_post("/admin/faults", R"({"hugeTokenAnswer":false})"); }, creds,
         [](xapi::Client &c) { get_records(c, "/NoSuchCollection"); }, WFNODE_ERR_API, 404, "No HTTP resource was found"},
        {"a 503 after the tries allowed", [&] { emu.admin_post("/admin/faults", R"({"status503":1})"); }, creds,
         [](xapi::Client &c) { get_records(c, "/ChatHistoryView"); }, WFNODE_ERR_API, 503, "503"},
        {"a body cut off", [&] { emu.admin_post("/admin/faults", R"({"resetMidBody":1})"); }, creds,
         [](xapi::Client &c) { get_records(c, "/ChatHistoryView"); }, WFNODE_ERR_NETWORK, 0, emu.base_url()},
        {"a page that is not JSON", [&] { emu.admin_post("/admin/faults", R"({"malformedJson":1})"); }, creds,
         [](xapi::Client &c) { get_records(c, "/ChatHistoryView"); }, WFNODE_ERR_API, 200, "not valid JSON"},
        {"an HTML page from a proxy", [&] { emu.admin_post("/admin/faults", R"({"htmlError":1})"); }, creds,
         [](xapi::Client &c) { get_records(c, "/ChatHistoryView"); }, WFNODE_ERR_API, 502, "text/html"},
        // A next link on the PBX's origin spelled otherwise (127.1 is 127.0.0.1) was named by
        // cutting the base URL's length off it: "GET 1/NoSuch", or std::out_of_range.
        {"a next link that spells the origin otherwise", [] {}, creds,
         [&](xapi::Client &c) { get_records(c, "http://127.1:" + std::to_string(emu.port()) + "/xapi/v1/NoSuch"); },
         WFNODE_ERR_API, 404, "GET /xapi/v1/NoSuch failed"},
        {"a next link shorter than the base URL", [] {}, creds,
         [&](xapi::Client &c) { get_records(c, "http://127.1:" + std::to_string(emu.port())); }, WFNODE_ERR_API, 404,
         "GET / failed"},
    };
    for (const auto &row : rows) {
        CAPTURE(row.cause);
        row.arrange();
        const long before = emu.counter("requests");
        NodeError e = outcome(row.creds, false, row.call);
        INFO(e.what());
        CHECK(e.status == row.status);
        CHECK(e.http_status == row.http_status);
        CHECK(std::string(e.what()).find(row.message) != std::string::npos);
        CHECK(std::string(e.what()).find("demo-secret") == std::string::npos);
        if (row.status == WFNODE_ERR_INVALID_INPUT) CHECK(emu.counter("requests") == before);  // refused before sending
    }
}

TEST_CASE("a dry run's client sends reads and the token request, and refuses any other request before it leaves") {
    EmulatorProcess emu({"--chats", "20"});
    const auto creds = credentials_for(emu.base_url(), emu.client_id());
    // A read works in a dry run, with its token request.
    CHECK(outcome(creds, true, [](xapi::Client &c) { get_records(c, "/ChatHistoryView"); }).status == WFNODE_OK);
    CHECK(emu.counter("requests") == 2);
    // A write does not, whichever path and body: nothing reaches the server.
    for (const char *path : {"/PurgeChats", "/Users(1)", "/ChatHistoryView"}) {
        CAPTURE(path);
        NodeError e = outcome(creds, true, [&](xapi::Client &c) { c.post_json(path, R"({"period":{"All":true}})", quick()); });
        CHECK(e.status == WFNODE_ERR_DRY_RUN);
        CHECK(std::string(e.what()).find(std::string("dry run: POST /xapi/v1") + path + " was not sent") != std::string::npos);
    }
    CHECK(emu.counter("changingRequests") == 0);
    CHECK(emu.counter("requests") == 2);
    CHECK(emu.counter("chats") == 20);
    // The same client outside a dry run sends it: the refusal above is the dry run's.
    CHECK(outcome(creds, false, [](xapi::Client &c) { c.post_json("/PurgeChats", R"({"period":{"All":true}})", quick()); })
              .status == WFNODE_OK);
    CHECK(emu.counter("changingRequests") == 1);
    CHECK(emu.counter("chats") == 0);
}

TEST_CASE("a request is measured and named by its URL's parts, however the URL spells its origin") {
    namespace http = wfplugin::http;
    http::Request get;
    get.url = "http://127.1/";  // the origin http://127.0.0.1 is longer than the text
    CHECK(http::request_line_size(get) == std::string_view("GET / HTTP/1.1").size());
    get.url = "HTTP://LOCALHOST:080/abc?q=1";
    CHECK(http::request_line_size(get) == std::string_view("GET /abc?q=1 HTTP/1.1").size());
    http::Lease lease("http://127.0.0.1", true, http::SendPolicy{true, {}});
    for (std::string url : {"http://0x7f000001/abc?secret=1", "http://127.1/abc"}) {
        CAPTURE(url);
        http::Request put;
        put.method = "PUT";
        put.url = url;
        try {
            lease.check_sendable(put);
            FAIL("sendable");
        } catch (const http::TransportError &e) {
            CHECK(e.kind == http::TransportError::Kind::refused);
            CHECK(std::string(e.what()).find("dry run: PUT /abc was not sent") != std::string::npos);
        }
    }
}

TEST_CASE("an expired token is refreshed before use") {
    // The server's tokens live 2 s: the client takes a new one 0.2 s before, on its own clock.
    EmulatorProcess emu({"--chats", "10", "--token-lifetime", "2"});
    const auto creds = credentials_for(emu.base_url(), emu.client_id());
    testsupport::ManualClock clock;
    xapi::TokenCache tokens(clock);
    auto execution = [&] {
        Host h;
        wfplugin::ExecutionContext ctx(h.host, 1);
        xapi::Client client(creds, ctx, tokens);
        get_records(client, "/ChatHistoryView?$top=3");
    };
    REQUIRE_NOTHROW(execution());
    clock.advance(std::chrono::milliseconds(1700));
    REQUIRE_NOTHROW(execution());
    CHECK(emu.counter("tokenRequests") == 1);  // still fresh
    clock.advance(std::chrono::milliseconds(400));
    REQUIRE_NOTHROW(execution());
    CHECK(emu.counter("tokenRequests") == 2);
    CHECK(emu.counter("unauthorised") == 0);
}

TEST_CASE("a base URL's problem is named without repeating the URL") {
    struct Row {
        const char *url;
        const char *says;
    };
    for (const Row &r : std::vector<Row>{{"http://pbx.example.com:99999", "its port 99999 is not from 1 to 65535"},
                                         {"http://pbx.example.com:0", "its port 0 is not from 1 to 65535"},
                                         {"http://pbx.example.com:12ab", "its port is not a number from 1 to 65535"},
                                         {"ftp://pbx.example.com", "does not start with http:// or https://"},
                                         {"http://admin:hunter2@pbx.example.com", "user name or password"},
                                         {"http://pbx.example.com/#x", "#fragment"}}) {
        CAPTURE(r.url);
        try {
            xapi::normalise_base_url(r.url);
            FAIL("accepted");
        } catch (const NodeError &e) {
            CHECK(e.field == "credentials.baseUrl");
            CHECK(std::string(e.what()).find(r.says) != std::string::npos);
            CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
        }
    }
}
