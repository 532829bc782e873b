#include "wfplugin/token_store.hpp"

#include <wfnode/token_store.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

namespace wfplugin {
namespace {

namespace fs = std::filesystem;

// The host's wfnode_token_store.
class HostStore final : public TokenStore {
public:
    HostStore(const wfnode_host &host, const wfnode_token_store &api) : host_(host), api_(api) {}
    void lock(const std::string &key, const std::function<void()> &) override { api_.lock(&host_, key.c_str()); }
    void unlock(const std::string &key) override { api_.unlock(&host_, key.c_str()); }
    std::optional<std::string> get(const std::string &key) override {
        std::vector<char> buf(4096);
        size_t n = api_.get(&host_, key.c_str(), buf.data(), buf.size());
        if (n >= buf.size()) {  // larger than guessed: once more with room for it
            buf.resize(n + 1);
            n = api_.get(&host_, key.c_str(), buf.data(), buf.size());
            if (n >= buf.size()) return std::nullopt;
        }
        if (n == 0) return std::nullopt;
        return std::string(buf.data(), n);
    }
    void put(const std::string &key, const std::string &record) override { api_.put(&host_, key.c_str(), record.c_str()); }

private:
    const wfnode_host &host_;
    const wfnode_token_store &api_;
};

// Files under the user's cache folder; the lock is flock on a companion file, so it is
// released by the kernel if the process dies holding it.
class FileStore final : public TokenStore {
public:
    explicit FileStore(fs::path dir) : dir_(std::move(dir)) {}
    ~FileStore() override {
        for (auto &[key, fd] : locks_) ::close(fd);
    }
    void lock(const std::string &key, const std::function<void()> &poll) override {
        int fd = ::open((dir_ / (key + ".lock")).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) return;  // no lock to be had: each process then fetches its own
        while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                ::close(fd);
                return;
            }
            try {
                if (poll) poll();
            } catch (...) {
                ::close(fd);
                throw;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        locks_[key] = fd;
    }
    void unlock(const std::string &key) override {
        if (auto it = locks_.find(key); it != locks_.end()) {
            ::close(it->second);  // releases the flock
            locks_.erase(it);
        }
    }
    std::optional<std::string> get(const std::string &key) override {
        int fd = ::open((dir_ / (key + ".json")).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return std::nullopt;
        std::string out;
        char buf[4096];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0 && out.size() < (1u << 16);) out.append(buf, static_cast<size_t>(n));
        ::close(fd);
        if (out.empty()) return std::nullopt;
        return out;
    }
    void put(const std::string &key, const std::string &record) override {
        const fs::path target = dir_ / (key + ".json");
        const fs::path temp = dir_ / (key + ".json.tmp-" + std::to_string(::getpid()));
        int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) return;
        bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, record.data(), record.size()) == static_cast<ssize_t>(record.size());
        ok = ::close(fd) == 0 && ok;
        std::error_code ec;
        if (ok) fs::rename(temp, target, ec);
        if (!ok || ec) fs::remove(temp, ec);
    }

private:
    fs::path dir_;
    std::map<std::string, int> locks_;
};

// $XDG_CACHE_HOME/wfnode/tokens, or ~/.cache/wfnode/tokens; made 0700 when missing. A folder
// that another user owns or others can open is not used.
std::optional<fs::path> cache_folder() {
    fs::path base;
    if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') base = xdg;
    else if (const char *home = std::getenv("HOME"); home && *home == '/') base = fs::path(home) / ".cache";
    else return std::nullopt;
    fs::path dir = base / "wfnode" / "tokens";
    std::error_code ec;
    fs::create_directories(dir, ec);
    struct stat st{};
    if (::chmod(dir.c_str(), 0700) != 0 || ::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) ||
        st.st_uid != ::geteuid() || (st.st_mode & 077) != 0)
        return std::nullopt;
    return dir;
}

}  // namespace

std::unique_ptr<TokenStore> token_store(const ExecutionContext &ctx) {
    if (const auto *api = static_cast<const wfnode_token_store *>(ctx.host_extension(WFNODE_EXT_TOKEN_STORE));
        api && api->struct_size >= offsetof(wfnode_token_store, put) + sizeof(api->put) && api->lock && api->unlock &&
        api->get && api->put)
        return std::make_unique<HostStore>(ctx.host(), *api);
    static const std::optional<fs::path> folder = cache_folder();
    if (!folder) return nullptr;
    return std::make_unique<FileStore>(*folder);
}

}  // namespace wfplugin
