#include "emulator_process.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <sys/prctl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace testsupport {
namespace {

std::string read_file(const std::string &path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

size_t collect(char *data, size_t size, size_t n, void *out) {
    static_cast<std::string *>(out)->append(data, size * n);
    return size * n;
}

struct HttpAnswer {
    long status;
    std::string body;
};

// `authorization` given: a request to the XAPI, as a client sends it (JSON, gzip accepted).
HttpAnswer request(const std::string &url, const char *post_body, const std::string &authorization = {}) {
    CURL *c = curl_easy_init();
    std::string body;
    curl_slist *headers = nullptr;
    if (!authorization.empty()) {
        headers = curl_slist_append(headers, ("Authorization: " + authorization).c_str());
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    }
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (post_body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    curl_slist_free_all(headers);
    if (rc != CURLE_OK) throw std::runtime_error("request to " + url + " failed: " + curl_easy_strerror(rc));
    return {status, body};
}

std::string http(const std::string &url, const char *post_body) { return request(url, post_body).body; }

}  // namespace

EmulatorProcess::EmulatorProcess(std::vector<std::string> flags, std::string program) {
    char tmpl[] = "/tmp/xapi-emu-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::string port_file = dir_ + "/port";
    static std::atomic<int> serial{0};
    client_id_ = "test-client-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
    std::vector<std::string> args{program, "--port", "0", "--port-file", port_file, "--client-id", client_id_};
    args.insert(args.end(), flags.begin(), flags.end());
    const pid_t test_process = getpid();
    pid_ = fork();
    if (pid_ == 0) {
        // The emulator ends with the test process, even when a sanitizer aborts it: otherwise
        // it would hold the test's stderr open and ctest would wait for it until the timeout.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != test_process) _exit(127);
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        std::vector<char *> argv;
        for (auto &a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    // Waits for the port, or for the emulator to exit. The bound only catches a hang: a store
    // of 36,500 chats takes over 10 s to build under ThreadSanitizer on a busy machine.
    for (int i = 0; i < 6000 && port_ == 0; ++i) {
        std::string text = read_file(port_file);
        if (!text.empty() && text.back() == '\n') {
            port_ = std::atoi(text.c_str());
        } else if (int status = 0; waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("xapi-emulator exited before it listened (status " + std::to_string(status) + ")");
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (port_ == 0) throw std::runtime_error("xapi-emulator did not start within 120 s");
}

EmulatorProcess::~EmulatorProcess() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        int status = 0;
        waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::string EmulatorProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string EmulatorProcess::credentials(const std::string &api_key) const {
    return R"({"baseUrl":")" + base_url() + R"(","clientId":")" + client_id_ + R"(","apiKey":")" + api_key + "\"}";
}

std::string EmulatorProcess::credentials_argument(const std::string &api_key) const {
    const std::string path = dir_ + "/credentials-" + std::to_string(std::hash<std::string>{}(api_key)) + ".json";
    std::ofstream(path) << credentials(api_key);
    return "@" + path;
}

long EmulatorProcess::counter(const std::string &name) const {
    auto doc = parse(http(base_url() + "/admin/counters", nullptr));
    if (!doc.HasMember(name.c_str())) throw std::runtime_error("no counter " + name);
    return doc[name.c_str()].GetInt64();
}

std::vector<std::string> EmulatorProcess::requests() const { return lines(http(base_url() + "/admin/requests", nullptr)); }

void EmulatorProcess::admin_post(const std::string &path, const std::string &body) const {
    http(base_url() + path, body.c_str());
}

EmulatorProcess::Answer EmulatorProcess::admin(const std::string &path, const std::optional<std::string> &body) const {
    auto a = request(base_url() + path, body ? body->c_str() : nullptr);
    return {a.status, a.body};
}

std::string EmulatorProcess::clock() const {
    auto a = admin("/admin/clock");
    if (a.status != 200) throw std::runtime_error("GET /admin/clock answered " + std::to_string(a.status) + ": " + a.body);
    return parse(a.body)["now"].GetString();
}

void EmulatorProcess::set_clock(const std::string &now, bool backwards) const {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("now"), w.String(now.c_str());
    if (backwards) w.Key("backwards"), w.Bool(true);
    w.EndObject();
    auto a = admin("/admin/clock", std::string(b.GetString()));
    if (a.status != 200) throw std::runtime_error("moving the clock to " + now + " answered " + std::to_string(a.status) + ": " + a.body);
}

std::vector<uint64_t> EmulatorProcess::add_chats(const std::string &chats_json) const {
    auto a = admin("/admin/chats", R"({"chats":)" + chats_json + "}");
    if (a.status != 200) throw std::runtime_error("POST /admin/chats answered " + std::to_string(a.status) + ": " + a.body);
    std::vector<uint64_t> ids;
    const auto answer = parse(a.body);  // outlives the loop: a temporary's array would not
    for (const auto &id : answer["ids"].GetArray()) ids.push_back(id.GetUint64());
    return ids;
}

std::vector<EmulatorProcess::Purge> EmulatorProcess::purges() const {
    auto doc = parse(http(base_url() + "/admin/purges", nullptr));
    auto text = [](const rapidjson::Value &v) { return v.IsString() ? std::string(v.GetString(), v.GetStringLength()) : std::string(); };
    std::vector<Purge> out;
    for (const auto &p : doc["purges"].GetArray()) {
        Purge purge{p["period"]["All"].GetBool(), text(p["period"]["Start"]), text(p["period"]["Stop"]), text(p["now"]), {}};
        for (const auto &id : p["removed"].GetArray()) purge.removed.push_back(id.GetUint64());
        out.push_back(std::move(purge));
    }
    return out;
}

EmulatorProcess::Answer EmulatorProcess::xapi(const std::string &target, const std::optional<std::string> &body) const {
    for (int attempt = 0;; ++attempt) {
        if (token_.empty()) {
            const std::string form = "grant_type=client_credentials&client_id=" + client_id_ + "&client_secret=demo-secret";
            auto t = request(base_url() + "/connect/token", form.c_str());
            if (t.status != 200) throw std::runtime_error("the emulator refused a token: " + t.body);
            token_ = parse(t.body)["access_token"].GetString();
        }
        auto a = request(base_url() + target, body ? body->c_str() : nullptr, "Bearer " + token_);
        if (a.status != 401 || attempt > 0) return {a.status, a.body};
        token_.clear();  // taken over by another client of the same id: a new one, once
    }
}

CommandResult run(const std::vector<std::string> &argv, const std::string &input) {
    char tmpl[] = "/tmp/cmd-XXXXXX";
    std::string dir = mkdtemp(tmpl);
    std::string in = dir + "/in", out = dir + "/out", err = dir + "/err";
    std::ofstream(in) << input;
    pid_t pid = fork();
    if (pid == 0) {
        int fi = open(in.c_str(), O_RDONLY);
        int fo = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fe = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fi, 0);
        dup2(fo, 1);
        dup2(fe, 2);
        std::vector<char *> args;
        for (auto &a : const_cast<std::vector<std::string> &>(argv)) args.push_back(a.data());
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    struct rusage usage {};
    wait4(pid, &status, 0, &usage);
    CommandResult r{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_file(out), read_file(err),
                    usage.ru_maxrss};
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return r;
}

std::string http_get(const std::string &url) { return http(url, nullptr); }

std::vector<std::string> lines(const std::string &text) {
    std::vector<std::string> out;
    std::stringstream s(text);
    for (std::string line; std::getline(s, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

rapidjson::Document parse(const std::string &json) {
    rapidjson::Document d;
    d.Parse(json.c_str(), json.size());
    if (d.HasParseError()) throw std::runtime_error("not JSON: " + json.substr(0, 200));
    return d;
}

}  // namespace testsupport
