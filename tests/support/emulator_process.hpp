// Test support: starts the bundled xapi-emulator on a free loopback port for one test and
// stops it afterwards; reads its admin counters, moves its simulated clock, adds chats and
// reads its purge log; runs commands and captures their output.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace testsupport {

class EmulatorProcess {
public:
    // Extra command-line flags for xapi-emulator, e.g. {"--page-cap", "100"}. `program`:
    // another server that takes the emulator's --port, --port-file and --client-id and its
    // /admin/counters and /admin/requests (xapi-mock).
    explicit EmulatorProcess(std::vector<std::string> flags = {}, std::string program = EMULATOR_PATH);
    ~EmulatorProcess();
    EmulatorProcess(const EmulatorProcess &) = delete;
    EmulatorProcess &operator=(const EmulatorProcess &) = delete;

    int port() const { return port_; }
    // Unique per emulator: the plugin caches tokens per (baseUrl, clientId), and a port can be
    // reused by a later emulator in the same test process.
    const std::string &client_id() const { return client_id_; }
    std::string base_url() const;
    // The threecxApi credential JSON for this emulator (demo client).
    std::string credentials(const std::string &api_key = "demo-secret") const;
    // The same in a file of the emulator's scratch folder, as "@path" for nodehost's
    // --credentials: a secret never goes on a child's command line.
    std::string credentials_argument(const std::string &api_key = "demo-secret") const;
    // One counter of /admin/counters ("requests", "tokenRequests", "connections", "chats"...).
    long counter(const std::string &name) const;
    // Raw request targets the emulator received, oldest first ("GET /xapi/v1/...").
    std::vector<std::string> requests() const;
    void admin_post(const std::string &path, const std::string &body = "{}") const;

    struct Answer {
        long status;
        std::string body;
    };
    // An admin request: a POST when `body` is given, else a GET; the status as it came.
    Answer admin(const std::string &path, const std::optional<std::string> &body = std::nullopt) const;
    // The simulated clock (GET /admin/clock's "now") and a move of it; a refused move throws.
    std::string clock() const;
    void set_clock(const std::string &now, bool backwards = false) const;
    // POST /admin/chats with {"chats": <chats_json>}: the ids the emulator gave them.
    std::vector<uint64_t> add_chats(const std::string &chats_json) const;
    // The purge log, oldest first: each purge carried out, its period (empty: not given), the
    // simulated now it ran at, the ids it removed in TimeSent order.
    struct Purge {
        bool all;
        std::string start, stop, now;
        std::vector<uint64_t> removed;
    };
    std::vector<Purge> purges() const;
    // A request to the XAPI itself with a token of the demo client (taken once, again after a
    // 401): for tests of the server's own answers. POST when `body` is given.
    Answer xapi(const std::string &target, const std::optional<std::string> &body = std::nullopt) const;

private:
    int pid_ = -1;
    int port_ = 0;
    std::string dir_;
    std::string client_id_;
    mutable std::string token_;
};

struct CommandResult {
    int exit_code;
    std::string out, err;
    long max_rss_kb = 0;  // the command's peak resident memory
};
// Runs argv (no shell), optionally feeding `input` on stdin.
CommandResult run(const std::vector<std::string> &argv, const std::string &input = {});

// HTTP GET on loopback; returns the body.
std::string http_get(const std::string &url);

std::vector<std::string> lines(const std::string &text);
rapidjson::Document parse(const std::string &json);

}  // namespace testsupport
