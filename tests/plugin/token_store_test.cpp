// The per-user file token cache on a machine shared with another user (white-box: the
// plugin's file_token_store). The test process is root only to set the scene: it makes the
// victim's home and plants what another user (nobody, uid 65534) could have planted, owned
// by that user. The victim is a forked child that has dropped to an unprivileged uid, so the
// kernel treats it as it treats a real user. Each attack checks that the scene is set, then
// that the victim sees exactly one warning naming the path and the failed check, that the
// store holds nothing (the caller fetches its own token), and that nothing outside changed.
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>
#include <wfplugin/token_store.hpp>

#include <doctest/doctest.h>

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr uid_t victim = 4242;     // the user running the plugin
constexpr uid_t attacker = 65534;  // another user of the machine

const std::string record = R"({"token":"abc","refreshAt":1,"keyCheck":"0"})";

struct Status {
    uid_t uid;
    mode_t mode;  // type and permission bits, from lstat
};

std::optional<Status> status_of(const fs::path &p) {
    struct stat st{};
    if (::lstat(p.c_str(), &st) != 0) return std::nullopt;
    return Status{st.st_uid, st.st_mode};
}

std::string content_of(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// A scene in a fresh folder: home/ is the victim's (0755), shared/ is world-writable and
// sticky like /tmp. Everything is made as root and given away, modes set exactly.
struct Scene {
    fs::path root;

    Scene() {
        REQUIRE_MESSAGE(::geteuid() == 0, "these tests plant files as another user and run the victim as a third: "
                                          "they need root (CI runs as root)");
        char name[] = "/tmp/token-store-test-XXXXXX";
        REQUIRE(::mkdtemp(name) != nullptr);
        root = name;
        REQUIRE(::chmod(root.c_str(), 0755) == 0);
        folder("home", 0755, victim);
        folder("shared", 01777, 0);
    }
    ~Scene() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
    fs::path operator/(const std::string &relative) const { return root / relative; }

    fs::path folder(const std::string &relative, mode_t mode, uid_t owner) const {
        const fs::path p = root / relative;
        REQUIRE(::mkdir(p.c_str(), 0700) == 0);
        REQUIRE(::chown(p.c_str(), owner, owner) == 0);
        REQUIRE(::chmod(p.c_str(), mode) == 0);
        const auto st = status_of(p);
        REQUIRE((st && S_ISDIR(st->mode) && st->uid == owner && (st->mode & 07777) == mode));
        return p;
    }
    fs::path file(const std::string &relative, const std::string &text, mode_t mode, uid_t owner) const {
        const fs::path p = root / relative;
        std::ofstream(p, std::ios::binary) << text;
        REQUIRE(::chown(p.c_str(), owner, owner) == 0);
        REQUIRE(::chmod(p.c_str(), mode) == 0);
        const auto st = status_of(p);
        REQUIRE((st && S_ISREG(st->mode) && st->uid == owner && (st->mode & 07777) == mode && content_of(p) == text));
        return p;
    }
    fs::path link(const std::string &relative, const fs::path &target, uid_t owner) const {
        const fs::path p = root / relative;
        REQUIRE(::symlink(target.c_str(), p.c_str()) == 0);
        REQUIRE(::lchown(p.c_str(), owner, owner) == 0);
        const auto st = status_of(p);
        REQUIRE((st && S_ISLNK(st->mode) && st->uid == owner));
        return p;
    }
};

// What the victim saw using the store as the token cache does: lock, read, write, read back.
struct Seen {
    std::vector<std::string> warnings;
    bool opened = false;
    std::optional<std::string> before, after;  // the record read before and after the write
};

std::string line_of(const std::optional<std::string> &value) { return value ? "=" + *value : "-"; }

// Runs the victim in a child process as uid/gid `victim`, under `mask`, with `cache_home`.
Seen as_victim(const fs::path &cache_home, mode_t mask = 022) {
    int pipe_fds[2];
    REQUIRE(::pipe(pipe_fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(pipe_fds[0]);
        if (::setgroups(0, nullptr) != 0 || ::setgid(victim) != 0 || ::setuid(victim) != 0) ::_exit(3);
        ::umask(mask);
        ::alarm(60);  // a victim stuck in open() (a FIFO) dies and fails the test instead of hanging it
        std::ostringstream out;
        std::vector<std::string> warnings;
        {
            auto store = wfplugin::file_token_store(cache_home, [&](const std::string &why) { warnings.push_back(why); });
            out << "opened " << (store ? 1 : 0) << "\n";
            if (store) {
                wfplugin::TokenStoreLock held(*store, "k", {});
                out << "before " << line_of(store->get("k")) << "\n";
                store->put("k", record);
                out << "after " << line_of(store->get("k")) << "\n";
            }
        }
        for (const auto &w : warnings) out << "warning " << w << "\n";
        const std::string text = out.str();
        ssize_t written = ::write(pipe_fds[1], text.data(), text.size());
        ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 4);
    }
    ::close(pipe_fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    ::close(pipe_fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0), "the victim process failed: status " << status);
    Seen seen;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        const auto space = line.find(' ');
        const std::string tag = line.substr(0, space), value = line.substr(space + 1);
        auto read = [&] { return value == "-" ? std::nullopt : std::optional<std::string>(value.substr(1)); };
        if (tag == "opened") seen.opened = value == "1";
        else if (tag == "before") seen.before = read();
        else if (tag == "after") seen.after = read();
        else if (tag == "warning") seen.warnings.push_back(value);
    }
    return seen;
}

// One warning that names `path` and says `what`; the store then gave the caller nothing.
void check_refused(const Seen &seen, const fs::path &path, const std::string &what) {
    REQUIRE(seen.warnings.size() == 1);
    const std::string &w = seen.warnings.front();
    CHECK_MESSAGE(w.find("the token cache is not used: " + path.string() + " ") != std::string::npos, w);
    CHECK_MESSAGE(w.find(what) != std::string::npos, w);
    CHECK_MESSAGE(w.find("fetches its own access tokens") != std::string::npos, w);
    CHECK(!seen.before);
    CHECK(!seen.after);
}

// Every entry under `dir`, for "nothing was created or removed".
std::vector<std::string> listing(const fs::path &dir) {
    std::vector<std::string> names;
    for (const auto &e : fs::recursive_directory_iterator(dir)) names.push_back(e.path().lexically_relative(dir).string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_CASE("umask 000: every folder the cache makes is 0700 and every file 0600, all the user's") {
    Scene scene;
    const fs::path home = scene / "home/a/b/cache";  // three missing folders of the cache home, then ours
    const Seen seen = as_victim(home, 0);
    CHECK(seen.warnings.empty());
    REQUIRE(seen.opened);
    CHECK(!seen.before);
    CHECK(seen.after == record);
    for (const fs::path &p : {scene / "home/a", scene / "home/a/b", home, home / "wfnode", home / "wfnode/tokens"}) {
        const auto st = status_of(p);
        REQUIRE_MESSAGE(st, p);
        CHECK_MESSAGE((S_ISDIR(st->mode) && (st->mode & 07777) == 0700 && st->uid == victim), p);
    }
    for (const char *name : {"k.lock", "k.json"}) {
        const auto st = status_of(home / "wfnode/tokens" / name);
        REQUIRE_MESSAGE(st, name);
        CHECK_MESSAGE((S_ISREG(st->mode) && (st->mode & 07777) == 0600 && st->uid == victim), name);
    }
    CHECK(listing(home / "wfnode/tokens") == std::vector<std::string>{"k.json", "k.lock"});  // no temporary file left
    // A second process of the same user takes the record.
    const Seen again = as_victim(home, 0);
    CHECK(again.warnings.empty());
    CHECK(again.before == record);
}

TEST_CASE("a cache home of the user's with normal modes keeps working, through a link the user made too") {
    Scene scene;
    scene.folder("home/.cache", 0755, victim);
    scene.folder("home/.cache/wfnode", 0755, victim);  // as an older version made it under umask 022
    CHECK(as_victim(scene / "home/.cache").after == record);
    scene.folder("home/elsewhere", 0755, victim);
    scene.link("home/cache-link", scene / "home/elsewhere", victim);
    const Seen seen = as_victim(scene / "home/cache-link");
    CHECK(seen.warnings.empty());
    CHECK(seen.after == record);
    CHECK(status_of(scene / "home/elsewhere/wfnode/tokens/k.json"));
}

TEST_CASE("a cache folder that is a link to another folder is refused, and the folder is left as it was") {
    Scene scene;
    const fs::path documents = scene.folder("home/documents", 0755, victim);
    scene.file("home/documents/notes.txt", "mine", 0644, victim);
    SUBCASE("tokens links to the user's own folder") {
        scene.folder("home/.cache", 0755, victim);
        scene.folder("home/.cache/wfnode", 0700, victim);
        scene.link("home/.cache/wfnode/tokens", documents, attacker);
        check_refused(as_victim(scene / "home/.cache"), scene / "home/.cache/wfnode/tokens", "is a symbolic link");
    }
    SUBCASE("another user plants wfnode in a shared cache home as a link to the user's folder") {
        scene.link("shared/wfnode", documents, attacker);
        check_refused(as_victim(scene / "shared"), scene / "shared/wfnode", "is a symbolic link");
    }
    CHECK((status_of(documents)->mode & 07777) == 0755);
    CHECK(listing(documents) == std::vector<std::string>{"notes.txt"});
}

TEST_CASE("a tokens path that is a file, or a link to one, is refused and left untouched") {
    Scene scene;
    scene.folder("home/.cache", 0755, victim);
    scene.folder("home/.cache/wfnode", 0700, victim);
    const fs::path other = scene.file("shared/planted", "another user's file", 0644, attacker);
    SUBCASE("a regular file") {
        const fs::path tokens = scene.file("home/.cache/wfnode/tokens", "a file", 0644, victim);
        check_refused(as_victim(scene / "home/.cache"), tokens, "is not a folder");
        CHECK((status_of(tokens)->mode & 07777) == 0644);
        CHECK(content_of(tokens) == "a file");
    }
    SUBCASE("a link to another user's file") {
        const fs::path tokens = scene.link("home/.cache/wfnode/tokens", other, attacker);
        check_refused(as_victim(scene / "home/.cache"), tokens, "is a symbolic link");
    }
    CHECK((status_of(other)->mode & 07777) == 0644);
    CHECK(status_of(other)->uid == attacker);
    CHECK(content_of(other) == "another user's file");
}

TEST_CASE("a lock file planted as a link creates no file where it points") {
    Scene scene;
    const fs::path target = scene / "home/created-by-victim";  // where the victim could write a file
    scene.folder("home/.cache", 0755, victim);
    scene.folder("home/.cache/wfnode", 0700, victim);
    SUBCASE("planted in a tokens folder others can write: refused before any file is opened") {
        const fs::path tokens = scene.folder("home/.cache/wfnode/tokens", 0777, victim);
        scene.link("home/.cache/wfnode/tokens/k.lock", target, attacker);
        check_refused(as_victim(scene / "home/.cache"), tokens, "can be written by group or others (mode 0777)");
        CHECK((status_of(tokens)->mode & 07777) == 0777);  // no chmod
    }
    SUBCASE("left in a tokens folder that has been closed since: the link is not followed") {
        scene.folder("home/.cache/wfnode/tokens", 0700, victim);
        const fs::path lock = scene.link("home/.cache/wfnode/tokens/k.lock", target, attacker);
        check_refused(as_victim(scene / "home/.cache"), lock, "is a symbolic link");
        CHECK(listing(scene / "home/.cache/wfnode/tokens") == std::vector<std::string>{"k.lock"});  // no record written
    }
    CHECK(!status_of(target));
}

TEST_CASE("a record planted as a link, as another user's file, or as a FIFO is refused and left untouched") {
    Scene scene;
    scene.folder("home/.cache", 0755, victim);
    scene.folder("home/.cache/wfnode", 0700, victim);
    const fs::path tokens = scene.folder("home/.cache/wfnode/tokens", 0700, victim);
    const fs::path secret = scene.file("home/secret", "the user's own private file", 0600, victim);
    SUBCASE("a link to the user's private file") {
        const fs::path planted = scene.link("home/.cache/wfnode/tokens/k.json", secret, attacker);
        check_refused(as_victim(scene / "home/.cache"), planted, "is a symbolic link");
    }
    SUBCASE("another user's file") {
        const fs::path planted = scene.file("home/.cache/wfnode/tokens/k.json", record, 0600, attacker);
        check_refused(as_victim(scene / "home/.cache"), planted, "is owned by uid 65534, not by this user (uid 4242)");
        CHECK(status_of(planted)->uid == attacker);
        CHECK(content_of(planted) == record);
    }
    SUBCASE("a FIFO: refused without waiting for a writer") {
        const fs::path fifo = tokens / "k.json";
        REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
        REQUIRE(::chown(fifo.c_str(), victim, victim) == 0);
        check_refused(as_victim(scene / "home/.cache"), fifo, "is not a regular file");
    }
    CHECK(content_of(secret) == "the user's own private file");
    CHECK((status_of(secret)->mode & 07777) == 0600);
}

TEST_CASE("a cache folder owned by another user is refused, and nothing is made in it") {
    Scene scene;
    SUBCASE("wfnode planted in a shared cache home") {
        const fs::path wfnode = scene.folder("shared/wfnode", 0777, attacker);
        check_refused(as_victim(scene / "shared"), wfnode, "is owned by uid 65534, not by this user (uid 4242)");
        CHECK(listing(wfnode).empty());
    }
    SUBCASE("tokens, with the attacker's own record in it") {
        scene.folder("shared/wfnode", 0755, victim);
        const fs::path tokens = scene.folder("shared/wfnode/tokens", 0777, attacker);
        scene.file("shared/wfnode/tokens/k.json", record, 0666, attacker);
        check_refused(as_victim(scene / "shared"), tokens, "is owned by uid 65534");
        CHECK(listing(tokens) == std::vector<std::string>{"k.json"});
    }
}

TEST_CASE("a cache folder that group or others can write, or tokens that they can open, is refused as it is") {
    Scene scene;
    scene.folder("home/.cache", 0755, victim);
    fs::path refused;
    mode_t mode = 0;
    std::string what;
    SUBCASE("wfnode group-writable") {
        refused = scene.folder("home/.cache/wfnode", mode = 0775, victim);
        what = "can be written by group or others (mode 0775)";
    }
    SUBCASE("tokens world-writable") {
        scene.folder("home/.cache/wfnode", 0700, victim);
        refused = scene.folder("home/.cache/wfnode/tokens", mode = 0703, victim);
        what = "can be written by group or others (mode 0703)";
    }
    SUBCASE("tokens readable by the group") {
        scene.folder("home/.cache/wfnode", 0700, victim);
        refused = scene.folder("home/.cache/wfnode/tokens", mode = 0750, victim);
        what = "is open to group or others (mode 0750; 0700 expected)";
    }
    check_refused(as_victim(scene / "home/.cache"), refused, what);
    CHECK((status_of(refused)->mode & 07777) == mode);
    CHECK(!status_of(scene / "home/.cache/wfnode/tokens/k.lock"));
}

TEST_CASE("a cached record is read by its length: bytes after a NUL byte are more data, refused") {
    // The token cache reads records under the one JSON policy (wfplugin::json::parse), which
    // refuses a raw NUL byte: RapidJSON alone would end the text there, hiding what follows.
    CHECK_NOTHROW(wfplugin::json::parse(record + " \n", "record"));
    for (const std::string &smuggled : {record + std::string(1, '\0'), record + std::string(1, '\0') + R"({"token":"x"})",
                                        record + " " + std::string(1, '\0') + "junk"}) {
        CAPTURE(smuggled);
        CHECK_THROWS_WITH_AS(wfplugin::json::parse(smuggled, "record"),
                             doctest::Contains("a raw NUL byte"), wfplugin::NodeError);
    }
}

TEST_CASE("a key's lock holds off every other store of the user until released, and the record is then the holder's") {
    char name[] = "/tmp/token-store-lock-XXXXXX";
    REQUIRE(::mkdtemp(name) != nullptr);
    const fs::path home = name;
    std::vector<std::string> refusals;
    auto refused = [&](const std::string &why) { refusals.push_back(why); };
    auto holder = wfplugin::file_token_store(home, refused), waiter = wfplugin::file_token_store(home, refused);
    REQUIRE(holder);
    REQUIRE(waiter);

    holder->lock("k", {});
    std::atomic<bool> waiting{false}, acquired{false};
    std::optional<std::string> seen;
    std::thread other([&] {
        // Another process's store (its own open file): it waits on the lock, polling meanwhile.
        wfplugin::TokenStoreLock held(*waiter, "k", [&] { waiting = true; });
        acquired = true;
        seen = waiter->get("k");
    });
    while (!waiting) std::this_thread::yield();  // the other store is blocked on the lock now
    CHECK_FALSE(acquired);
    holder->put("k", record);
    CHECK_FALSE(acquired);
    holder->unlock("k");
    other.join();
    CHECK(acquired);
    CHECK(seen == record);
    // Another key is never held off by this one.
    holder->lock("k", {});
    wfplugin::TokenStoreLock unrelated(*waiter, "other", [] { FAIL("held off by another key's lock"); });
    holder->unlock("k");
    CHECK(refusals.empty());
    std::error_code ec;
    fs::remove_all(home, ec);
}
