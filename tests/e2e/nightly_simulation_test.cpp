// Sixty nights of the shipped nightly archive job (examples/nightly-export-and-purge.json, its
// retention cut from 90 days to 30) against the emulator's simulated clock: chats arriving all
// the time and some late, 15 nights skipped, 5 runs killed with SIGKILL mid-export, 5 with the
// archive's disk full, 5 with the server failing mid-export past the retries. At the end the
// archive read back (by gzip, an independent reader) holds every chat the emulator ever held
// exactly once, `nodehost verify` passes, and no purge removed a chat that was not in an
// archive file committed on an earlier night. Writes nightly-simulation.md (a row a night,
// then the figures) in the working folder (ctest's: build/<preset>/tests), for RELIABILITY.md.
#include "emulator_process.hpp"
#include "wait_until.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <wfcommon/iso8601.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sched.h>
#include <set>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace testsupport;
namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

// A few thousand chats over 90 days: about 34 a day (7 under the sanitizers).
#ifdef WFNODE_SANITIZED
constexpr size_t chat_count = 600;
#else
constexpr size_t chat_count = 3000;
#endif
constexpr int night_count = 60;
constexpr int retention_days = 30;
// The chats' span: 30 days of history before the first night, then the nights. The oldest
// chat is sent after the first night's purge boundary, so that night purges nothing.
constexpr int span_days = retention_days + night_count - 1;
constexpr int64_t late_max_s = 80000;  // below the pipeline's lateWindowS (checked)
// The server's own page cap: a night's export (a day of new chats and a day re-read) takes
// four pages or more, so a fault after its first page lands mid-export.
constexpr size_t page_cap = chat_count / 200;
// A disk-full night without a tmpfs of its own: no file may grow past this.
constexpr rlim_t file_size_limit = 4096;

const sys_days first_day{year{2026} / March / 1};
sys_seconds night_at(int k) { return first_day + days(k) + hours(2); }

std::string iso(sys_seconds t) {
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(), hms.seconds().count());
}

enum class Night { run, skipped, killed, disk_full, server_failed };
const char *name(Night n) {
    switch (n) {
    case Night::run: return "run";
    case Night::skipped: return "skipped";
    case Night::killed: return "killed (SIGKILL mid-export)";
    case Night::disk_full: return "disk full";
    case Night::server_failed: return "server failing mid-export";
    }
    return "?";
}

// With a fixed seed: which nights are skipped or fail. The first and the last night run: the
// first so that every purged chat had a night between its archive file and its purge (the
// check below is strict: committed on an earlier night), the last so that the archive is
// complete when it is read back.
std::vector<Night> plan_nights() {
    std::vector<Night> plan(night_count, Night::run);
    std::vector<int> middle;
    for (int k = 1; k < night_count - 1; ++k) middle.push_back(k);
    std::mt19937 rng(18);
    std::shuffle(middle.begin(), middle.end(), rng);
    size_t at = 0;
    for (auto [kind, count] : {std::pair{Night::skipped, 15}, {Night::killed, 5}, {Night::disk_full, 5}, {Night::server_failed, 5}})
        for (int i = 0; i < count; ++i) plan[static_cast<size_t>(middle[at++])] = kind;
    return plan;
}

std::string read_text(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string to_text(const rapidjson::Value &v) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return {b.GetString(), b.GetSize()};
}

// The shipped pipeline with its retention cut to `days`: each value that says 90 days is
// checked to be the shipped one and replaced whole. Also gives the export's lateWindowS.
std::string shipped_with_retention(int days_kept, int64_t &late_window_s) {
    rapidjson::Document d;
    const std::string text = read_text(fs::path(EXAMPLES_DIR) / "nightly-export-and-purge.json");
    d.Parse(text.c_str(), text.size());
    REQUIRE_FALSE(d.HasParseError());
    auto step = [&](const char *wanted) -> rapidjson::Value & {
        for (auto &s : d["steps"].GetArray())
            if (s["name"] == wanted) return s["parameters"];
        throw std::runtime_error(std::string("the shipped pipeline has no step ") + wanted);
    };
    const std::string shipped = "{{ $today.minus(90, 'days') }}";
    const std::string ours = fmt::format("{{{{ $today.minus({}, 'days') }}}}", days_kept);
    auto replace = [&](rapidjson::Value &v, const std::string &was, const std::string &now) {
        REQUIRE(v.IsString());
        REQUIRE(std::string(v.GetString(), v.GetStringLength()) == was);
        v.SetString(now.c_str(), static_cast<rapidjson::SizeType>(now.size()), d.GetAllocator());
    };
    replace(step("still-on-pbx")["options"]["filter"], "TimeSent le " + shipped, "TimeSent le " + ours);
    replace(step("archived")["before"], shipped, ours);
    replace(step("purge-preview")["period"]["Stop"], shipped, ours);
    replace(step("purge")["period"]["Stop"], shipped, ours);
    late_window_s = step("export")["options"]["lateWindowS"].GetInt64();
    return to_text(d);
}

// The job's working folder; the archive folder inside it may be a mount point.
struct Scratch {
    fs::path dir;
    Scratch() {
        char tmpl[] = "/tmp/nightly-simulation-XXXXXX";
        dir = mkdtemp(tmpl);
        fs::create_directories(dir / "archive");
        fs::create_directories(dir / "tmp");
        fs::create_directories(dir / "logs");
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
};

// The archive folder's disk, which disk-full nights fill. As root, before this process has a
// second thread, a 64 MiB tmpfs in a mount namespace of this process's own (it goes when the
// process ends): fill() takes its last block with one file (fallocate), so the writer gets
// ENOSPC from a real full disk. Otherwise the disk-full night's nodehost may grow no file past
// 4 KiB (RLIMIT_FSIZE, SIGXFSZ ignored), its writes failing with EFBIG as on a full disk; then
// the first write to fail is the export's spool (larger than the gzip file it feeds).
class ArchiveDisk {
public:
    explicit ArchiveDisk(fs::path folder) : folder_(std::move(folder)) {
        mounted_ = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 && mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
                   mount("tmpfs", folder_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=0755") == 0;
    }
    ~ArchiveDisk() {
        if (mounted_) umount2(folder_.c_str(), MNT_DETACH);
    }
    bool tmpfs() const { return mounted_; }
    const char *how() const {
        return mounted_ ? "a 64 MiB tmpfs holding the archive folder, filled to its last block (ENOSPC)"
                        : "RLIMIT_FSIZE of 4 KiB on the run, SIGXFSZ ignored (EFBIG)";
    }
    void fill() {
        if (!mounted_) return;
        const int fd = ::open(filler().c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
        REQUIRE(fd >= 0);
        struct statvfs s {};
        REQUIRE(statvfs(folder_.c_str(), &s) == 0);
        REQUIRE(posix_fallocate(fd, 0, static_cast<off_t>(s.f_bavail * s.f_frsize)) == 0);
        ::close(fd);
        REQUIRE(statvfs(folder_.c_str(), &s) == 0);
        REQUIRE(s.f_bavail == 0);
    }
    void empty() {
        if (mounted_) fs::remove(filler());
    }

private:
    fs::path filler() const { return folder_ / "disk-filler"; }
    fs::path folder_;
    bool mounted_ = false;
};

// `nodehost run` of the job at a pinned now, as cron would start it: in the job's folder, the
// credential in the environment (never on the command line), stderr kept for the test.
class NightlyJob {
public:
    NightlyJob(const Scratch &s, const EmulatorProcess &emu) : scratch_(s) {
        for (char **e = environ; *e; ++e) {
            const std::string_view v(*e);
            if (!v.starts_with("THREECX_") && !v.starts_with("TMPDIR=")) env_.emplace_back(v);
        }
        env_.push_back("THREECX_BASE_URL=" + emu.base_url());
        env_.push_back("THREECX_CLIENT_ID=" + emu.client_id());
        env_.push_back("THREECX_API_KEY=demo-secret");
        env_.push_back("TMPDIR=" + (s.dir / "tmp").string());  // spool files, and what a SIGKILL leaves
    }

    pid_t start(const std::string &now, bool limit_file_size) {
        std::vector<std::string> argv{NODEHOST_PATH, "run", "nightly-export-and-purge.json", "--plugin", PLUGIN_PATH,
                                      "--now", now, "--quiet"};
        err_ = scratch_.dir / "logs" / ("night-" + now.substr(0, 10) + ".err");
        std::vector<char *> args, envp;
        for (auto &a : argv) args.push_back(a.data());
        args.push_back(nullptr);
        for (auto &e : env_) envp.push_back(e.data());
        envp.push_back(nullptr);
        const std::string dir = scratch_.dir.string(), err = err_.string();
        const pid_t pid = fork();
        if (pid == 0) {
            const int devnull = ::open("/dev/null", O_WRONLY), errors = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            if (chdir(dir.c_str()) != 0 || devnull < 0 || errors < 0) _exit(126);
            dup2(devnull, STDOUT_FILENO);
            dup2(errors, STDERR_FILENO);
            if (limit_file_size) {
                signal(SIGXFSZ, SIG_IGN);  // kept across exec: a write past the limit fails with EFBIG
                const rlimit limit{file_size_limit, file_size_limit};
                if (setrlimit(RLIMIT_FSIZE, &limit) != 0) _exit(126);
            }
            execve(args[0], args.data(), envp.data());
            _exit(127);
        }
        REQUIRE(pid > 0);
        return pid;
    }

    struct Ended {
        bool killed;    // by SIGKILL
        int exit_code;  // when it exited
        std::string err;
    };
    Ended wait(pid_t pid) const {
        int status = 0;
        REQUIRE(waitpid(pid, &status, 0) == pid);
        return {WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_text(err_)};
    }

private:
    const Scratch &scratch_;
    std::vector<std::string> env_;
    fs::path err_;
};

// The chat a record is: its Message ends with "(#id)".
std::optional<uint64_t> chat_id(const rapidjson::Value &record) {
    if (!record.IsObject() || !record.HasMember("Message") || !record["Message"].IsString()) return std::nullopt;
    const std::string_view m(record["Message"].GetString(), record["Message"].GetStringLength());
    const size_t open = m.rfind("(#");
    if (open == std::string_view::npos || !m.ends_with(')')) return std::nullopt;
    const std::string digits(m.substr(open + 2, m.size() - open - 3));
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
    return std::stoull(digits);
}

struct ArchivedChat {
    uint64_t id;
    std::string message;
};

// The archive files under `folder` that are committed (their manifest beside them), by name.
std::vector<std::string> committed_files(const fs::path &folder) {
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(folder)) {
        const std::string n = e.path().filename().string();
        if (n.ends_with(".jsonl.gz") && fs::exists(folder / (n + ".manifest.json"))) names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// One archive file read back by gzip; a record that names no chat fails the test.
std::vector<ArchivedChat> read_back(const fs::path &file) {
    auto r = run({"/bin/gzip", "-dc", file.string()});
    INFO(file.string() << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<ArchivedChat> out;
    for (const auto &line : lines(r.out)) {
        rapidjson::Document d;
        d.Parse(line.c_str(), line.size());
        REQUIRE_FALSE(d.HasParseError());
        const auto id = chat_id(d);
        INFO(line);
        REQUIRE(id);
        out.push_back({*id, d["Message"].GetString()});
    }
    return out;
}

struct Row {
    std::string date;
    Night kind;
    std::string ended;  // "exit 0", "exit 1", "SIGKILL", "-"
    size_t archived = 0, purged = 0;
    long ms = 0;
};

}  // namespace

TEST_CASE("sixty nights of the shipped nightly job: every chat archived exactly once, none purged before it was in a committed file") {
    Scratch scratch;
    ArchiveDisk disk(scratch.dir / "archive");  // first: a mount namespace needs this process single-threaded
    const fs::path archive = scratch.dir / "archive";

    int64_t late_window_s = 0;
    std::ofstream(scratch.dir / "nightly-export-and-purge.json") << shipped_with_retention(retention_days, late_window_s);
    REQUIRE(late_max_s < late_window_s);  // every late chat arrives within the window re-read

    EmulatorProcess emu({"--chats", std::to_string(chat_count), "--seed", "18", "--data-end", iso(night_at(night_count - 1)),
                         "--data-days", std::to_string(span_days), "--clock", iso(night_at(0)), "--late-fraction", "0.1",
                         "--late-max-s", std::to_string(late_max_s), "--page-cap", std::to_string(page_cap)});
    NightlyJob job(scratch, emu);
    const std::vector<Night> plan = plan_nights();
    const fs::path state_file = archive / "nightly-archive.state.json";

    std::map<uint64_t, int> first_committed;  // chat id -> the night its file was first seen committed
    std::set<std::string> seen_files;
    std::vector<Row> rows;
    std::vector<int> nights_run;  // nights that exited 0
    const auto began = steady_clock::now();

    for (int k = 0; k < night_count; ++k) {
        const std::string now = iso(night_at(k));
        CAPTURE(now);
        emu.set_clock(now);
        const std::string state_before = read_text(state_file);
        const size_t files_before = committed_files(archive).size();
        Row row{now.substr(0, 10), plan[static_cast<size_t>(k)], "-"};
        const auto started = steady_clock::now();
        std::optional<NightlyJob::Ended> ended;
        switch (row.kind) {
        case Night::skipped: break;
        case Night::run: ended = job.wait(job.start(now, false)); break;
        case Night::killed: {
            // From the export's second page on, every page stalls: the export cannot end before
            // the kill (nor for 20 s after it: 4 tries of a 5 s stall).
            emu.admin_post("/admin/faults", R"({"faultsAfter": 1, "stall": 1000})");
            const long faults = emu.counter("faults");
            const pid_t pid = job.start(now, false);
            const bool mid_export = wait_until([&] { return emu.counter("faults") > faults; });
            ::kill(pid, SIGKILL);
            ended = job.wait(pid);
            emu.admin_post("/admin/faults", R"({"faultsAfter": 0, "stall": 0})");
            CHECK(mid_export);
            CHECK(ended->killed);
            break;
        }
        case Night::disk_full: {
            disk.fill();
            ended = job.wait(job.start(now, !disk.tmpfs()));
            disk.empty();
            INFO(ended->err);
            // The archive file's write on the tmpfs; the spool's under the limit, with the system's cause.
            CHECK(ended->err.find(disk.tmpfs() ? "No space left on device" : "File too large") != std::string::npos);
            break;
        }
        case Night::server_failed: {
            // The first page is answered, then every request fails with 503, more often than the
            // export's tries (maxTries 4 by default).
            emu.admin_post("/admin/faults", R"({"faultsAfter": 1, "status503": 1000})");
            const long faults = emu.counter("faults");
            ended = job.wait(job.start(now, false));
            CHECK(emu.counter("faults") - faults >= 4);
            emu.admin_post("/admin/faults", R"({"faultsAfter": 0, "status503": 0})");
            INFO(ended->err);
            CHECK(ended->err.find("503") != std::string::npos);
            break;
        }
        }
        row.ms = static_cast<long>(duration_cast<milliseconds>(steady_clock::now() - started).count());
        if (ended) {
            INFO(ended->err);
            row.ended = ended->killed ? "SIGKILL" : "exit " + std::to_string(ended->exit_code);
            CHECK(ended->err.find("demo-secret") == std::string::npos);
            if (row.kind == Night::run) {
                CHECK(ended->exit_code == 0);
                if (ended->exit_code == 0) nights_run.push_back(k);
            } else {
                CHECK((ended->killed || ended->exit_code != 0));
            }
        }
        if (row.kind != Night::run) {
            // A night that did not succeed committed nothing: no archive file, no checkpoint.
            CHECK(read_text(state_file) == state_before);
            CHECK(committed_files(archive).size() == files_before);
        }
        // The chats in files committed by now, each with the first night its file was there.
        for (const auto &file : committed_files(archive)) {
            if (!seen_files.insert(file).second) continue;
            for (const auto &c : read_back(archive / file))
                if (first_committed.emplace(c.id, k).second) ++row.archived;
        }
        rows.push_back(row);
    }
    const double seconds = duration<double>(steady_clock::now() - began).count();

    // The archive read back: every chat the emulator ever held (visible now, or purged) exactly
    // once, with its own message.
    std::map<uint64_t, size_t> copies;
    std::map<uint64_t, std::string> archived_message;
    for (const auto &file : committed_files(archive))
        for (const auto &c : read_back(archive / file)) {
            ++copies[c.id];
            archived_message[c.id] = c.message;
        }
    const auto all = parse(http_get(emu.base_url() + "/admin/chats"));
    size_t held = 0, missing = 0, wrong_message = 0, late = 0, late_caught = 0, purged_by_state = 0;
    std::set<uint64_t> held_ids;
    for (const auto &c : all["chats"].GetArray()) {
        const std::string state = c["state"].GetString();
        if (state == "pending") continue;  // not arrived by the last night: never held
        const uint64_t id = c["id"].GetUint64();
        ++held;
        held_ids.insert(id);
        if (state == "purged") ++purged_by_state;
        if (!copies.count(id)) {
            ++missing;
            continue;
        }
        if (archived_message[id] != c["Message"].GetString()) ++wrong_message;
        // A late chat is caught by the window re-read when a successful night ran between its
        // TimeSent and its arrival: that night's checkpoint had passed it by.
        const auto sent = wfcommon::iso8601::parse(c["TimeSent"].GetString());
        const auto arrived = wfcommon::iso8601::parse(c["arrival"].GetString());
        REQUIRE((sent && arrived));
        if (*arrived == *sent) continue;
        ++late;
        if (std::any_of(nights_run.begin(), nights_run.end(), [&](int k) {
                const auto at = time_point_cast<microseconds>(night_at(k));
                return *sent < at && at < *arrived;
            }))
            ++late_caught;
    }
    size_t duplicates = 0, not_held = 0;
    for (const auto &[id, n] : copies) {
        duplicates += n - 1;
        if (!held_ids.count(id)) ++not_held;
    }
    CHECK(held >= chat_count * 9 / 10);
    CHECK(missing == 0);
    CHECK(duplicates == 0);
    CHECK(not_held == 0);
    CHECK(wrong_message == 0);
    CHECK(late_caught > 0);  // the window was needed, not only there

    // `nodehost verify` on the archive folder: every manifest matches its file, the ranges join.
    const auto verified = run({NODEHOST_PATH, "verify", archive.string()});
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);

    // Nothing left behind in the archive folder by the killed and failed runs.
    std::vector<std::string> strays;
    for (const auto &e : fs::directory_iterator(archive)) {
        const std::string n = e.path().filename().string();
        const bool known = n.ends_with(".jsonl.gz") || n.ends_with(".jsonl.gz.manifest.json") ||
                           n == "nightly-archive.state.json" || n == "nightly-archive.state.json.lock";
        if (!known) strays.push_back(n);
    }
    CHECK(strays == std::vector<std::string>{});

    // The purge log: each chat a purge removed was in a file committed on an earlier night.
    std::map<std::string, int> night_of;
    for (int k = 0; k < night_count; ++k) night_of[iso(night_at(k))] = k;
    size_t purged = 0, purges_removing = 0, purged_unarchived = 0;
    for (const auto &p : emu.purges()) {
        REQUIRE(night_of.count(p.now));
        const int k = night_of[p.now];
        purged += p.removed.size();
        if (!p.removed.empty()) ++purges_removing;
        rows[static_cast<size_t>(k)].purged += p.removed.size();
        for (uint64_t id : p.removed) {
            const auto at = first_committed.find(id);
            if (at == first_committed.end() || at->second >= k) ++purged_unarchived;
        }
    }
    CHECK(purged_unarchived == 0);
    CHECK(purged == purged_by_state);
    CHECK(purges_removing > 10);  // not vacuous: most nights that ran purged something

    std::map<Night, int> outcomes;
    for (const auto &r : rows) ++outcomes[r.kind];
    std::ofstream md("nightly-simulation.md");
    md << "| night | plan | ended | chats newly archived | chats purged | time |\n|---|---|---|---|---|---|\n";
    for (const auto &r : rows)
        md << "| " << r.date << " | " << name(r.kind) << " | " << r.ended << " | " << r.archived << " | " << r.purged << " | "
           << r.ms << " ms |\n";
    md << "\n| figure | value |\n|---|---|\n"
       << "| nights | " << night_count << " (" << iso(night_at(0)) << " to " << iso(night_at(night_count - 1)) << ", 02:00 UTC) |\n"
       << "| nights run | " << outcomes[Night::run] << " (" << nights_run.size() << " exit 0) |\n"
       << "| nights skipped | " << outcomes[Night::skipped] << " |\n"
       << "| runs killed (SIGKILL mid-export) | " << outcomes[Night::killed] << " |\n"
       << "| runs with the disk full | " << outcomes[Night::disk_full] << ", by " << disk.how() << " |\n"
       << "| runs with the server failing mid-export | " << outcomes[Night::server_failed] << " |\n"
       << "| chats the emulator held | " << held << " (" << chat_count << " generated over " << span_days << " days, 10% late by up to "
       << late_max_s << " s) |\n"
       << "| chats archived | " << copies.size() << " in " << committed_files(archive).size() << " files |\n"
       << "| chats purged | " << purged << " by " << purges_removing << " purges (retention " << retention_days << " days) |\n"
       << "| purged without a file committed on an earlier night | " << purged_unarchived << " |\n"
       << "| late arrivals | " << late << ", " << late_caught << " caught by the window re-read |\n"
       << "| duplicates | " << duplicates << " |\n"
       << "| missing | " << missing << " |\n"
       << "| nodehost verify | exit " << verified.exit_code << " |\n"
       << "| time | " << fmt::format("{:.1f}", seconds) << " s |\n";
}
