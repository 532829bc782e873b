#include "wfplugin/token_store.hpp"

#include <wfnode/token_store.h>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <map>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace wfplugin {
namespace {

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

// A file descriptor, closed when it goes.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd &&other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd &operator=(Fd &&other) noexcept {
        std::swap(fd_, other.fd_);
        return *this;
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    explicit operator bool() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

std::string errno_text() { return std::error_code(errno, std::generic_category()).message(); }

// One warning's text: which path failed which check (never a secret: keys are hashes).
std::string refusal(const std::string &path, const std::string &what) {
    return fmt::format("the token cache is not used: {} {}; this process fetches its own access tokens", path, what);
}

std::string owner_problem(const struct stat &st) {
    return st.st_uid == ::geteuid() ? std::string()
                                    : fmt::format("is owned by uid {}, not by this user (uid {})", st.st_uid, ::geteuid());
}

// What is wrong with wfnode or wfnode/tokens (`private_only`), or "" when nothing is.
std::string folder_problem(const struct stat &st, bool private_only) {
    if (S_ISLNK(st.st_mode)) return "is a symbolic link";
    if (!S_ISDIR(st.st_mode)) return "is not a folder";
    if (auto owner = owner_problem(st); !owner.empty()) return owner;
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return fmt::format("can be written by group or others (mode {:04o})", st.st_mode & 07777);
    if (private_only && (st.st_mode & 077))
        return fmt::format("is open to group or others (mode {:04o}; 0700 expected)", st.st_mode & 07777);
    return {};
}

// What is wrong with a lock or record file, or "" when nothing is.
std::string file_problem(const struct stat &st) {
    if (S_ISLNK(st.st_mode)) return "is a symbolic link";
    if (!S_ISREG(st.st_mode)) return "is not a regular file";
    if (auto owner = owner_problem(st); !owner.empty()) return owner;
    if (st.st_mode & 077) return fmt::format("is open to group or others (mode {:04o}; 0600 expected)", st.st_mode & 07777);
    return {};
}

// The cache home opened as a folder, each missing folder on the way made 0700. Links are
// followed: the path is the user's own setting.
Fd open_cache_home(const std::string &home, std::string &why) {
    Fd dir(::open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::string so_far;
    for (size_t start = 0; dir && start < home.size();) {
        size_t end = home.find('/', start);
        if (end == std::string::npos) end = home.size();
        const std::string name = home.substr(start, end - start);
        start = end + 1;
        if (name.empty() || name == ".") continue;
        so_far += "/" + name;
        Fd next(::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!next && errno == ENOENT) {
            if (::mkdirat(dir.get(), name.c_str(), 0700) != 0 && errno != EEXIST) {
                why = refusal(so_far, "cannot be made (" + errno_text() + ")");
                return {};
            }
            next = Fd(::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        }
        if (!next) {
            why = refusal(so_far, "cannot be opened as a folder (" + errno_text() + ")");
            return {};
        }
        dir = std::move(next);
    }
    if (!dir) why = refusal("/", "cannot be opened (" + errno_text() + ")");
    return dir;
}

// The folder `name` in `parent` (`path` in messages), made 0700 when missing; checked before
// it is opened, and again through the descriptor that every later use goes through.
Fd open_own_folder(int parent, const char *name, const std::string &path, bool private_only, std::string &why) {
    struct stat st{};
    if (::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT) {
            why = refusal(path, "cannot be examined (" + errno_text() + ")");
            return {};
        }
        if ((::mkdirat(parent, name, 0700) != 0 && errno != EEXIST) ||
            ::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            why = refusal(path, "cannot be made (" + errno_text() + ")");
            return {};
        }
    }
    if (auto problem = folder_problem(st, private_only); !problem.empty()) {
        why = refusal(path, problem);
        return {};
    }
    Fd fd(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        why = refusal(path, errno == ELOOP ? "is a symbolic link" : "cannot be opened (" + errno_text() + ")");
        return {};
    }
    if (auto problem = folder_problem(st, private_only); !problem.empty()) {
        why = refusal(path, problem);
        return {};
    }
    return fd;
}

// Files in the checked tokens folder; the lock is flock on a companion file, so it is
// released by the kernel if the process dies holding it. Anything the cache cannot do is
// refused once, and the store then holds nothing: every caller fetches its own token.
class FileStore final : public TokenStore {
public:
    FileStore(Fd dir, std::string path, std::function<void(const std::string &)> refused)
        : dir_(std::move(dir)), path_(std::move(path)), refused_(std::move(refused)) {}
    ~FileStore() override {
        for (auto &[key, fd] : locks_) ::close(fd);
    }
    void lock(const std::string &key, const std::function<void()> &poll) override {
        Fd fd = open_file(key + ".lock", O_RDWR | O_CREAT);
        if (!fd) return;
        while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) return refuse(key + ".lock", "cannot be locked (" + errno_text() + ")");
            if (poll) poll();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        locks_[key] = fd.release();
    }
    void unlock(const std::string &key) override {
        if (auto it = locks_.find(key); it != locks_.end()) {
            ::close(it->second);  // releases the flock
            locks_.erase(it);
        }
    }
    std::optional<std::string> get(const std::string &key) override {
        Fd fd = open_file(key + ".json", O_RDONLY);
        if (!fd) return std::nullopt;
        std::string out;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(fd.get(), buf, sizeof buf)) > 0 && out.size() <= max_record) out.append(buf, static_cast<size_t>(n));
        if (n < 0 || out.empty() || out.size() > max_record) return std::nullopt;  // not a record this store wrote
        return out;
    }
    void put(const std::string &key, const std::string &record) override {
        const std::string target = key + ".json";
        const std::string temp = target + ".tmp-" + std::to_string(::getpid());
        // A temporary file of a process that had our pid and died is ours to replace.
        Fd fd = open_file(temp, O_WRONLY | O_CREAT | O_EXCL, true);
        if (!fd) return;
        bool ok = true;
        for (size_t done = 0; ok && done < record.size();) {
            ssize_t n = ::write(fd.get(), record.data() + done, record.size() - done);
            if (n < 0 && errno == EINTR) continue;
            ok = n > 0;
            if (ok) done += static_cast<size_t>(n);
        }
        ok = ::close(fd.release()) == 0 && ok;
        if (!ok || ::renameat(dir_.get(), temp.c_str(), dir_.get(), target.c_str()) != 0) {
            refuse(target, "cannot be written (" + errno_text() + ")");
            ::unlinkat(dir_.get(), temp.c_str(), 0);
        }
    }

private:
    static constexpr size_t max_record = 1u << 16;

    // `name` in the tokens folder, never through a link; only a regular file of this user
    // that nobody else can open is used. A record that does not exist yet is no refusal.
    Fd open_file(const std::string &name, int flags, bool replace_existing = false) {
        if (refused_already_) return {};
        // O_NONBLOCK: opening a FIFO would otherwise wait before fstat could refuse it.
        const int all = flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
        Fd fd(::openat(dir_.get(), name.c_str(), all, 0600));
        if (!fd && errno == EEXIST && replace_existing && ::unlinkat(dir_.get(), name.c_str(), 0) == 0)
            fd = Fd(::openat(dir_.get(), name.c_str(), all, 0600));
        struct stat st{};
        if (!fd) {
            if (errno == ENOENT && !(flags & O_CREAT)) return {};
            // Say why when the path itself shows it (a link, another user's file).
            std::string why = "cannot be opened (" + errno_text() + ")";
            if (::fstatat(dir_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
                if (auto problem = file_problem(st); !problem.empty()) why = problem;
            refuse(name, why);
            return {};
        }
        std::string problem = ::fstat(fd.get(), &st) == 0 ? file_problem(st) : "cannot be examined (" + errno_text() + ")";
        if (!problem.empty()) {
            refuse(name, problem);
            return {};
        }
        return fd;
    }
    void refuse(const std::string &name, const std::string &what) {
        if (std::exchange(refused_already_, true)) return;
        refused_(refusal(path_ + "/" + name, what));
    }

    Fd dir_;
    std::string path_;
    std::function<void(const std::string &)> refused_;
    bool refused_already_ = false;
    std::map<std::string, int> locks_;
};

// $XDG_CACHE_HOME, or ~/.cache; a relative $XDG_CACHE_HOME is ignored, as the XDG Base
// Directory specification says.
std::optional<std::string> cache_home() {
    if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') return xdg;
    if (const char *home = std::getenv("HOME"); home && *home == '/') return std::string(home) + "/.cache";
    return std::nullopt;
}

}  // namespace

std::unique_ptr<TokenStore> file_token_store(const std::string &cache_home,
                                             std::function<void(const std::string &why)> refused) {
    std::string home = cache_home;
    while (home.size() > 1 && home.back() == '/') home.pop_back();
    const std::string ours = (home == "/" ? "" : home) + "/wfnode";
    std::string why;
    Fd base = open_cache_home(home, why);
    Fd wfnode = base ? open_own_folder(base.get(), "wfnode", ours, false, why) : Fd();
    Fd tokens = wfnode ? open_own_folder(wfnode.get(), "tokens", ours + "/tokens", true, why) : Fd();
    if (!tokens) {
        refused(why);
        return nullptr;
    }
    return std::make_unique<FileStore>(std::move(tokens), ours + "/tokens", std::move(refused));
}

TokenStore *ExecutionTokenStore::get() {
    if (std::exchange(opened_, true)) return store_.get();
    if (const auto *api = static_cast<const wfnode_token_store *>(ctx_.host_extension(WFNODE_EXT_TOKEN_STORE));
        api && api->struct_size >= offsetof(wfnode_token_store, put) + sizeof(api->put) && api->lock && api->unlock &&
        api->get && api->put)
        store_ = std::make_unique<HostStore>(ctx_.host(), *api);
    else if (auto home = cache_home())
        store_ = file_token_store(*home, [&ctx = ctx_](const std::string &why) { ctx.log(WFNODE_LOG_WARN, why); });
    return store_.get();
}

}  // namespace wfplugin
