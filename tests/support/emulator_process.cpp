#include "emulator_process.hpp"

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
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

std::string http(const std::string &url, const char *post_body) {
    CURL *c = curl_easy_init();
    std::string body;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (post_body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, post_body);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) throw std::runtime_error("request to " + url + " failed: " + curl_easy_strerror(rc));
    return body;
}

}  // namespace

EmulatorProcess::EmulatorProcess(std::vector<std::string> flags) {
    char tmpl[] = "/tmp/xapi-emu-XXXXXX";
    dir_ = mkdtemp(tmpl);
    const std::string port_file = dir_ + "/port";
    static std::atomic<int> serial{0};
    client_id_ = "test-client-" + std::to_string(getpid()) + "-" + std::to_string(++serial);
    std::vector<std::string> args{EMULATOR_PATH, "--port", "0", "--port-file", port_file, "--client-id", client_id_};
    args.insert(args.end(), flags.begin(), flags.end());
    pid_ = fork();
    if (pid_ == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, STDOUT_FILENO);
        std::vector<char *> argv;
        for (auto &a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    for (int i = 0; i < 500 && port_ == 0; ++i) {
        std::string text = read_file(port_file);
        if (!text.empty() && text.back() == '\n') port_ = std::atoi(text.c_str());
        else std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (port_ == 0) throw std::runtime_error("xapi-emulator did not start");
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
