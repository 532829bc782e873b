// One token across machines: nodehost processes (exec, run, serve), each with its own per-user
// cache as if on its own machine, share one access token through a real Redis (started here
// on a free loopback port), and the emulator counts one token request; without the store each
// fetches its own. The store under faults: Redis stopped and restarted mid-run, a lock holder
// killed while holding the lock, keys holding garbage, a refused password. Each ends in a
// clear outcome, never a hang and never a secret printed.
#include "emulator_process.hpp"
#include "redis_connection.hpp"
#include "scratch_dir.hpp"
#include "wait_until.hpp"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

extern char **environ;

using namespace testsupport;
using nodehost::RedisConnection;
using Kind = RedisConnection::Reply::Kind;

namespace {

constexpr const char *download = "threecx.downloadChatHistory";
constexpr const char *params = R"({"clientTimeZone":"UTC","options":{"top":3}})";

std::string read_text(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Variables a child gets: nullopt removes one. The test's own token store settings never leak in.
using Env = std::map<std::string, std::optional<std::string>>;

std::vector<std::string> environment(const Env &changes) {
    std::vector<std::string> out;
    for (char **e = environ; *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        if (!changes.contains(name) && !name.starts_with("WFNODE_TOKEN_STORE")) out.push_back(entry);
    }
    for (const auto &[name, value] : changes)
        if (value) out.push_back(name + "=" + *value);
    return out;
}

// A child process with its own environment, its stdout and stderr in files (or stdout on a
// pipe, for serve); killed and reaped if the test ends before it does.
class Child {
public:
    Child(const std::vector<std::string> &argv, const Env &env, const std::string &dir, bool interactive = false) {
        static int serial = 0;
        const std::string base = dir + "/child-" + std::to_string(++serial);
        out_path_ = base + ".out";
        err_path_ = base + ".err";
        int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
        if (interactive && (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0))
            throw std::runtime_error("pipe failed");
        std::vector<std::string> args = argv, vars = environment(env);
        const pid_t parent = getpid();
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(127);
            int in = interactive ? in_pipe[0] : open("/dev/null", O_RDONLY);
            int out = interactive ? out_pipe[1] : open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(in, 0);
            dup2(out, 1);
            dup2(err, 2);
            std::vector<char *> a, e;
            for (auto &s : args) a.push_back(s.data());
            for (auto &s : vars) e.push_back(s.data());
            a.push_back(nullptr);
            e.push_back(nullptr);
            execve(a[0], a.data(), e.data());
            _exit(127);
        }
        if (interactive) {
            close(in_pipe[0]);
            close(out_pipe[1]);
            to_child_ = in_pipe[1];
            from_child_ = out_pipe[0];
        }
    }
    ~Child() {
        close_input();
        if (from_child_ >= 0) close(from_child_);
        if (!reaped_) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    Child(const Child &) = delete;
    Child &operator=(const Child &) = delete;

    pid_t pid() const { return pid_; }
    void kill(int sig) const { ::kill(pid_, sig); }
    void close_input() {
        if (to_child_ >= 0) close(to_child_);
        to_child_ = -1;
    }
    // Its exit status (128 + the signal that ended it), stdout (what the pipe had not been
    // read of) and stderr; waits at most `limit`, then kills it, so a hang fails the test.
    CommandResult wait(std::chrono::seconds limit = std::chrono::seconds(120)) {
        int status = 0;
        const bool ended = wait_until([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
        if (!ended) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        }
        reaped_ = true;
        std::string out = from_child_ >= 0 ? pending_ : read_text(out_path_);
        if (from_child_ >= 0) {
            char buf[4096];
            for (ssize_t n; (n = read(from_child_, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
        }
        CHECK_MESSAGE(ended, "the process did not end within the bound: a hang");
        return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), out, read_text(err_path_)};
    }
    std::string err() const { return read_text(err_path_); }

    // serve: one execute request out, then its reply lines up to and including the last one
    // ("done" or "rejected"); every line read is kept for the secret check.
    std::vector<std::string> request(const std::string &line) {
        const std::string text = line + "\n";
        REQUIRE(write(to_child_, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
        std::vector<std::string> replies;
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        for (;;) {
            if (size_t nl = pending_.find('\n'); nl != std::string::npos) {
                replies.push_back(pending_.substr(0, nl));
                seen_ += replies.back() + "\n";
                pending_.erase(0, nl + 1);
                const std::string &r = replies.back();
                if (r.find(R"("type":"done")") != std::string::npos || r.find(R"("type":"rejected")") != std::string::npos)
                    return replies;
                continue;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - std::chrono::steady_clock::now());
            REQUIRE_MESSAGE(left.count() > 0, "serve did not answer within the bound: a hang");
            pollfd p{from_child_, POLLIN, 0};
            poll(&p, 1, static_cast<int>(left.count()));
            char buf[4096];
            const ssize_t n = read(from_child_, buf, sizeof buf);
            REQUIRE_MESSAGE(n > 0, (std::string("serve closed its stdout: ") + err()));
            pending_.append(buf, static_cast<size_t>(n));
        }
    }
    const std::string &seen() const { return seen_; }

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::string out_path_, err_path_;
    int to_child_ = -1, from_child_ = -1;
    std::string pending_, seen_;
};

int free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(s, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || getsockname(s, reinterpret_cast<sockaddr *>(&a), &len) != 0)
        throw std::runtime_error("no free port");
    close(s);
    return ntohs(a.sin_port);
}

// A real redis-server on loopback, no persistence, its config (and so its password) in a
// private file rather than on its command line. stop() and start() restart it empty.
class RedisServer {
public:
    explicit RedisServer(std::string password = {}) : password_(std::move(password)), port_(free_port()) { start(); }
    ~RedisServer() { stop(); }

    void start() {
        std::string conf = "port " + std::to_string(port_) + "\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir " +
                           dir_.dir().string() + "\nlogfile \"\"\n";
        if (!password_.empty()) conf += "requirepass " + password_ + "\n";
        const std::string path = dir_.write("redis.conf", conf);
        server_ = std::make_unique<Child>(std::vector<std::string>{"/usr/bin/redis-server", path}, Env{}, dir_.dir().string());
        REQUIRE_MESSAGE(wait_until([&] {
                            try {
                                return client()->command({"PING"}).text == "PONG";
                            } catch (const std::exception &) {
                                return false;
                            }
                        }),
                        (std::string("redis-server did not answer: ") + server_->err()));
    }
    void stop() {
        if (!server_) return;
        server_->kill(SIGTERM);
        server_->wait();
        server_.reset();
    }
    int port() const { return port_; }
    std::string url(const std::string &settings = "") const {
        return "redis://127.0.0.1:" + std::to_string(port_) + "/0" + settings;
    }
    // A connection of the test's own, authenticated.
    std::unique_ptr<RedisConnection> client() const {
        auto c = std::make_unique<RedisConnection>("127.0.0.1", port_, std::chrono::milliseconds(2000));
        if (!password_.empty()) c->command({"AUTH", password_});
        return c;
    }
    RedisConnection::Reply command(const std::vector<std::string_view> &args) const { return client()->command(args); }
    // The keys under wfnode:, sorted.
    std::vector<std::string> keys() const {
        std::vector<std::string> out;
        for (const auto &e : command({"KEYS", "wfnode:*"}).elements) out.push_back(e.text);
        std::sort(out.begin(), out.end());
        return out;
    }
    // The one token record's key (wfnode:token:...), or "".
    std::string record_key() const {
        for (const auto &k : keys())
            if (k.starts_with("wfnode:token:")) return k;
        return {};
    }
    // The token inside the stored record.
    std::string stored_token() const {
        const std::string key = record_key();
        if (key.empty()) return {};
        auto doc = parse(command({"GET", key}).text);
        return doc.IsObject() && doc.HasMember("token") && doc["token"].IsString() ? doc["token"].GetString() : "";
    }

private:
    ScratchDir dir_{"redis-test"};
    std::string password_;
    int port_;
    std::unique_ptr<Child> server_;
};

// A TCP forwarder in front of the emulator that starts closed: it accepts connections and
// holds them unread, so a request sent into one never reaches the emulator. open() drops the
// held ones and forwards every later connection both ways.
class Gate {
public:
    explicit Gate(int target_port) : target_port_(target_port) {
        listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (bind(listen_fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || listen(listen_fd_, 16) != 0 ||
            getsockname(listen_fd_, reinterpret_cast<sockaddr *>(&a), &len) != 0)
            throw std::runtime_error("the gate cannot listen");
        port_ = ntohs(a.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }
    ~Gate() {
        stop_ = true;
        acceptor_.join();
        for (auto &t : pumps_) t.join();
        for (int fd : held_) close(fd);
        close(listen_fd_);
    }
    Gate(const Gate &) = delete;
    Gate &operator=(const Gate &) = delete;

    int port() const { return port_; }
    // Every connection made so far is dropped: the held ones, and those still waiting to be
    // accepted (a process killed while connecting leaves one there).
    void open() {
        std::lock_guard lock(mutex_);
        for (int fd; (fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC)) >= 0;) close(fd);
        for (int fd : held_) close(fd);
        held_.clear();
        open_ = true;
    }

private:
    void accept_loop() {
        while (!stop_) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            std::lock_guard lock(mutex_);  // accepted and placed at once, so open() sees every one
            const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            if (!open_) held_.push_back(client);
            else pumps_.emplace_back([this, client] { pump(client); });
        }
    }
    // Both ways until either side closes (or the test ends).
    void pump(int client) {
        const int server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons(static_cast<uint16_t>(target_port_));
        if (connect(server, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0) {
            char buf[16384];
            for (bool going = true; going && !stop_;) {
                pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
                if (poll(p, 2, 50) <= 0) continue;
                for (int i = 0; i < 2 && going; ++i) {
                    if (!p[i].revents) continue;
                    const ssize_t n = read(p[i].fd, buf, sizeof buf);
                    going = n > 0 && send(p[1 - i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) == n;
                }
            }
        }
        close(server);
        close(client);
    }

    int target_port_, listen_fd_ = -1, port_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    bool open_ = false;
    std::vector<int> held_;
    std::vector<std::thread> pumps_;
    std::thread acceptor_;
};

// Every process of one test: a folder for its files, and one cache home per "machine".
struct Machines {
    ScratchDir dir{"redis-machines"};
    int count = 0;
    // A new machine's environment: its own per-user cache, and `store` (WFNODE_TOKEN_STORE).
    Env machine(const std::optional<std::string> &store = std::nullopt, const Env &more = {}) {
        Env env = more;
        env["XDG_CACHE_HOME"] = dir.path("machine-" + std::to_string(++count));
        if (store) env["WFNODE_TOKEN_STORE"] = *store;
        return env;
    }
};

// `credentials`: "@file", written once per test (credentials_argument() rewrites the file,
// which a process started before may be reading).
std::vector<std::string> exec_argv(const std::string &credentials, const std::vector<std::string> &extra = {}) {
    std::vector<std::string> argv{NODEHOST_PATH, "exec", PLUGIN_PATH, download, "--params", params, "--credentials",
                                  credentials};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
}

std::string execute_line(const EmulatorProcess &emu, int id) {
    return R"({"id":)" + std::to_string(id) + R"(,"op":"execute","node":")" + download + R"(","credentials":)" +
           emu.credentials() + R"(,"parameters":)" + params + R"(,"items":[{"json":{}}]})";
}

// Three chats, one a line.
void check_exported(const CommandResult &r) {
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(lines(r.out).size() == 3);
}

// No secret in what a process printed: the API key, the token, the Redis password.
void check_no_secret(const std::string &text, const std::vector<std::string> &secrets) {
    for (const auto &s : secrets)
        if (!s.empty()) CHECK_MESSAGE(text.find(s) == std::string::npos, "a secret was printed");
}

const std::string api_key = "demo-secret";

}  // namespace

TEST_CASE("processes on several machines share one token through Redis, and without it each fetches its own") {
    EmulatorProcess emu({"--chats", "50"});
    const std::string creds = emu.credentials_argument();
    RedisServer redis;
    Machines m;
    // Started together: three exec (the store by option and by environment), one run, one serve.
    const std::string pipeline = m.dir.write("p.json", R"({"credentials":{"pbx":{"type":"threecxApi","file":")" +
                                                           creds.substr(1) +
                                                           R"("}},"steps":[{"name":"export","node":")" + download +
                                                           R"(","credential":"pbx","parameters":)" + params + "}]}");
    std::vector<std::unique_ptr<Child>> children;
    children.push_back(std::make_unique<Child>(exec_argv(creds, {"--token-store", redis.url()}), m.machine(), m.dir.dir()));
    children.push_back(std::make_unique<Child>(exec_argv(creds), m.machine(redis.url()), m.dir.dir()));
    children.push_back(std::make_unique<Child>(exec_argv(creds), m.machine(redis.url()), m.dir.dir()));
    children.push_back(std::make_unique<Child>(
        std::vector<std::string>{NODEHOST_PATH, "run", pipeline, "--plugin", PLUGIN_PATH, "-q", "--token-store", redis.url()},
        m.machine(), m.dir.dir()));
    Child serve({NODEHOST_PATH, "serve", PLUGIN_PATH, "--token-store", redis.url()}, m.machine(), m.dir.dir(), true);
    const auto replies = serve.request(execute_line(emu, 1));
    CHECK(replies.back().find(R"("status":"ok","items":3,"errors":0)") != std::string::npos);
    std::string printed = serve.seen();
    for (size_t i = 0; i < children.size(); ++i) {
        auto r = children[i]->wait();
        INFO("process ", i, ": ", r.err);
        CHECK(r.exit_code == 0);
        if (i < 3) CHECK(lines(r.out).size() == 3);
        printed += r.out + r.err;
    }
    serve.close_input();
    printed += serve.wait().err;
    CHECK(emu.counter("tokenRequests") == 1);
    CHECK(emu.counter("unauthorised") == 0);
    // One record, namespaced, expiring; no lock left behind; no secret in a key's name.
    const auto keys = redis.keys();
    REQUIRE(keys.size() == 1);
    CHECK(keys[0].starts_with("wfnode:token:threecx-"));
    const long long ttl = redis.command({"PTTL", keys[0]}).integer;
    CHECK(ttl > 0);
    CHECK(ttl <= 3'600'000);
    const std::string token = redis.stored_token();
    CHECK(!token.empty());
    check_no_secret(keys[0], {api_key, token});
    check_no_secret(printed, {api_key, token});

    // The control: the same processes without the store, one after the other, each on its own
    // machine: each fetches its own token (and logs out the one before).
    for (int i = 0; i < 4; ++i) check_exported(Child(exec_argv(creds), m.machine(), m.dir.dir()).wait());
    CHECK(emu.counter("tokenRequests") == 1 + 4);
}

TEST_CASE("Redis stopped mid-run: a clear error and no token fetched, then restarted empty: one new token, shared again") {
    EmulatorProcess emu({"--chats", "50"});
    const std::string creds = emu.credentials_argument();
    RedisServer redis;
    Machines m;
    check_exported(Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait());
    CHECK(emu.counter("tokenRequests") == 1);
    const std::string first_token = redis.stored_token();
    Child serve({NODEHOST_PATH, "serve", PLUGIN_PATH}, m.machine(redis.url()), m.dir.dir(), true);

    redis.stop();
    const std::string unreachable = "the shared token store " + redis.url() + " cannot be reached";
    auto down = Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait();
    INFO(down.err);
    CHECK(down.exit_code == 1);
    CHECK(down.out.empty());
    CHECK(down.err.find(unreachable) != std::string::npos);
    CHECK(down.err.find("no access token was fetched") != std::string::npos);
    CHECK(down.err.find("[stopped by the host]") != std::string::npos);
    // serve answers the execution with the same error, and goes on.
    auto replies = serve.request(execute_line(emu, 1));
    CHECK(replies.size() == 2);
    CHECK(replies[0].find(unreachable) != std::string::npos);
    CHECK(replies.back().find(R"("status":"stopped by the host","items":0,"errors":1,"cancelled":false)") != std::string::npos);
    CHECK(emu.counter("tokenRequests") == 1);  // nobody fetched a token that would log the others out

    redis.start();  // empty: the record is gone
    replies = serve.request(execute_line(emu, 2));
    CHECK(replies.back().find(R"("status":"ok","items":3)") != std::string::npos);
    CHECK(emu.counter("tokenRequests") == 2);
    check_exported(Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait());
    check_exported(Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait());
    CHECK(emu.counter("tokenRequests") == 2);
    serve.close_input();
    auto ended = serve.wait();
    CHECK(ended.exit_code == 0);
    check_no_secret(serve.seen() + ended.err + down.err, {api_key, first_token, redis.stored_token()});
}

TEST_CASE("a lock holder killed while holding the lock: the others proceed once it expires") {
    EmulatorProcess emu({"--chats", "50"});
    RedisServer redis;
    Machines m;
    Gate gate(emu.port());
    const std::string creds = "@" + m.dir.write("gate.json", R"({"baseUrl":"http://127.0.0.1:)" + std::to_string(gate.port()) +
                                                                 R"(","clientId":")" + emu.client_id() +
                                                                 R"(","apiKey":")" + api_key + "\"}");
    const std::vector<std::string> argv{NODEHOST_PATH, "exec", PLUGIN_PATH, download, "--params", params, "--credentials", creds};
    const std::string store = redis.url("?lock_ttl_ms=1500");
    // The gate closed: the holder's token request is held unanswered, the lock taken.
    Child holder(argv, m.machine(store), m.dir.dir());
    std::string lock;
    REQUIRE(wait_until([&] {
        for (const auto &k : redis.keys())
            if (k.starts_with("wfnode:lock:")) lock = k;
        return !lock.empty();
    }));
    const long long ttl = redis.command({"PTTL", lock}).integer;
    CHECK(ttl > 0);
    CHECK(ttl <= 1500);
    holder.kill(SIGKILL);
    CHECK(holder.wait().exit_code == 128 + SIGKILL);
    gate.open();  // the dead holder's request is dropped, never reaching the emulator

    // The next process waits for the dead holder's lock to expire, then takes it and a token.
    check_exported(Child(argv, m.machine(store), m.dir.dir()).wait());
    CHECK(emu.counter("tokenRequests") == 1);
    // Shared from then on, and no lock left.
    check_exported(Child(argv, m.machine(store), m.dir.dir()).wait());
    CHECK(emu.counter("tokenRequests") == 1);
    CHECK(redis.keys().size() == 1);
}

TEST_CASE("keys holding garbage: a bad record is replaced, a lock that never expires or stays held fails clearly") {
    EmulatorProcess emu({"--chats", "50"});
    const std::string creds = emu.credentials_argument();
    RedisServer redis;
    Machines m;
    check_exported(Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait());
    const std::string record = redis.record_key();
    REQUIRE(!record.empty());
    const std::string lock = "wfnode:lock:" + record.substr(std::string("wfnode:token:").size());

    SUBCASE("a record that is not one: a new token, and the record replaced") {
        const std::vector<std::string> garbage{std::string("{\"token\":\0\xff", 11), "not json", std::string(70'000, 'x')};
        long tokens = emu.counter("tokenRequests");
        for (const auto &g : garbage) {
            redis.command({"SET", record, g});
            check_exported(Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait());
            CHECK(emu.counter("tokenRequests") == ++tokens);
            CHECK(!redis.stored_token().empty());
        }
        // A key of another type: replaced the same way, with a warning.
        redis.command({"DEL", record});
        redis.command({"RPUSH", record, "a", "b"});
        auto r = Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait();
        check_exported(r);
        CHECK(r.err.find("holds no token record (another type of value); it is replaced") != std::string::npos);
        CHECK(emu.counter("tokenRequests") == ++tokens);
        // And shared again.
        check_exported(Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait());
        CHECK(emu.counter("tokenRequests") == tokens);
    }
    SUBCASE("a lock key without an expiry: refused at once, naming the key to delete") {
        redis.command({"DEL", record});
        redis.command({"SET", lock, "garbage"});
        auto r = Child(exec_argv(creds), m.machine(redis.url()), m.dir.dir()).wait();
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("holds " + lock + " without an expiry") != std::string::npos);
        CHECK(r.err.find("redis-cli DEL " + lock) != std::string::npos);
        CHECK(emu.counter("tokenRequests") == 1);
    }
    SUBCASE("a lock held longer than lock_wait_ms: the wait ends with an error") {
        redis.command({"DEL", record});
        redis.command({"SET", lock, "another-owner", "PX", "600000"});
        auto r = Child(exec_argv(creds), m.machine(redis.url("?lock_wait_ms=300")), m.dir.dir()).wait();
        CHECK(r.exit_code == 1);
        CHECK(r.err.find("kept the lock " + lock + " held by another process for longer than lock_wait_ms (0.3 s)") !=
              std::string::npos);
        CHECK(emu.counter("tokenRequests") == 1);
        CHECK(redis.command({"GET", lock}).text == "another-owner");  // another's lock is never released by us
    }
}

TEST_CASE("a Redis with a password: none, a wrong one and a URL holding one fail clearly, and no secret is printed") {
    EmulatorProcess emu({"--chats", "50"});
    const std::string creds = emu.credentials_argument();
    const std::string password = "redis-pass-7f3a9c";
    RedisServer redis(password);
    Machines m;
    std::string printed;
    auto failing = [&](const Env &env, const std::string &message) {
        auto r = Child(exec_argv(creds), m.machine(redis.url(), env), m.dir.dir()).wait();
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK(r.out.empty());
        CHECK(r.err.find("the shared token store " + redis.url() + " " + message) != std::string::npos);
        printed += r.out + r.err;
    };
    failing({}, "asks for a password: set WFNODE_TOKEN_STORE_PASSWORD");
    failing({{"WFNODE_TOKEN_STORE_PASSWORD", "wrong-pass-1b2c"}}, "refused the user and password");
    failing({{"WFNODE_TOKEN_STORE_PASSWORD", password}, {"WFNODE_TOKEN_STORE_USERNAME", "nobody"}},
            "refused the user and password");
    CHECK(emu.counter("tokenRequests") == 0);

    // In the URL: refused before anything runs, without repeating it.
    auto in_url = Child(exec_argv(creds, {"--token-store", "redis://:" + password + "@127.0.0.1:" + std::to_string(redis.port())}),
                        m.machine(), m.dir.dir())
                      .wait();
    CHECK(in_url.exit_code == 2);
    CHECK(in_url.err.find("pass the password in WFNODE_TOKEN_STORE_PASSWORD") != std::string::npos);
    printed += in_url.err;

    // The right one: shared as without a password.
    const Env right{{"WFNODE_TOKEN_STORE_PASSWORD", password}};
    for (int i = 0; i < 2; ++i) {
        auto r = Child(exec_argv(creds), m.machine(redis.url(), right), m.dir.dir()).wait();
        check_exported(r);
        printed += r.out + r.err;
    }
    CHECK(emu.counter("tokenRequests") == 1);
    check_no_secret(printed, {api_key, password, "wrong-pass-1b2c", redis.stored_token()});
}
