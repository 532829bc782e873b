#include "verify.hpp"

#include "archive_reader.hpp"
#include "io.hpp"
#include "manifest.hpp"

#include <wfcommon/iso8601.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <vector>

namespace nodehost {
namespace {

namespace fs = std::filesystem;
using wfcommon::iso8601::TimePoint;

bool is_json_lines_name(std::string_view name) { return name.ends_with(".jsonl") || name.ends_with(".jsonl.gz"); }

std::optional<TimePoint> instant(const rapidjson::Value &v) {
    if (!v.IsString()) return std::nullopt;
    return wfcommon::iso8601::parse({v.GetString(), v.GetStringLength()});
}

std::optional<TimePoint> instant(const std::optional<std::string> &text) { return wfcommon::iso8601::parse_if_present(text); }

std::string shown(const rapidjson::Value &v) { return to_json(v); }

// Two range ends join when they are the same JSON value, or the same instant written two ways.
bool same_end(const rapidjson::Value &a, const rapidjson::Value &b) {
    if (a == b) return true;
    auto ta = instant(a), tb = instant(b);
    return ta && tb && *ta == *tb;
}

struct Archive {
    std::string name;  // relative to the folder
    Manifest manifest;
    std::optional<TimePoint> position;  // where its range starts, for ordering
};

class Audit {
public:
    explicit Audit(fs::path folder) : folder_(std::move(folder)) {}

    int run() {
        std::vector<fs::path> manifests, json_lines;
        for (const auto &e : fs::recursive_directory_iterator(folder_)) {
            if (!e.is_regular_file()) continue;
            const std::string name = e.path().filename().string();
            if (name.find(".partial-") != std::string::npos) {
                out_ += fmt::format("note: {}: an unfinished write (its run was stopped); not part of the archive\n", relative(e.path()));
                continue;
            }
            if (std::string_view(name).ends_with(manifest_suffix)) manifests.push_back(e.path());
            else if (is_json_lines_name(name)) json_lines.push_back(e.path());
        }
        std::sort(manifests.begin(), manifests.end());
        std::sort(json_lines.begin(), json_lines.end());
        for (const auto &path : json_lines)
            if (!fs::exists(manifest_path(path.string())))
                problem(relative(path), "has no manifest (" + path.filename().string() + std::string(manifest_suffix) +
                                            "): what it should hold cannot be checked");
        for (const auto &path : manifests) check_manifest(path);
        if (manifests.empty() && json_lines.empty()) problem(folder_.string(), "holds no archive file");
        check_ranges();

        if (problems_) {
            out_ += fmt::format("nodehost verify: {} problem{} in {}\n", problems_, problems_ == 1 ? "" : "s", folder_.string());
            return 1;
        }
        uint64_t records = 0;
        for (const auto &a : archives_) records += a.manifest.tally.records;
        out_ += fmt::format("nodehost verify: {}: {} archive file{}, {} records, each matching its manifest (SHA-256, "
                            "records, first and last TimeSent)",
                            folder_.string(), archives_.size(), archives_.size() == 1 ? "" : "s", records);
        if (!ordered_.empty())
            out_ += fmt::format("; the ranges join with no gap and no overlap from {} to {}",
                                shown(ordered_.front()->manifest.range["from"]), shown(ordered_.back()->manifest.range["to"]));
        out_ += "\n";
        return 0;
    }

    const std::string &report() const { return out_; }

private:
    std::string relative(const fs::path &p) const { return p.lexically_relative(folder_).string(); }

    void problem(const std::string &where, const std::string &what) {
        ++problems_;
        out_ += fmt::format("{}: {}\n", where, what);
    }

    void check_manifest(const fs::path &path) {
        const std::string where = relative(path);
        Manifest m;
        try {
            m = parse_manifest(inline_or_file("@" + path.string(), "manifest"));
        } catch (const std::exception &e) {
            problem(where, std::string("is not a valid manifest: ") + e.what());
            return;
        }
        const std::string data_path = path.string().substr(0, path.string().size() - manifest_suffix.size());
        const std::string data = relative(data_path);
        if (m.file != fs::path(data_path).filename().string())
            problem(where, "names the file \"" + m.file + "\" but sits beside " + fs::path(data_path).filename().string());
        if (!fs::exists(data_path)) {
            problem(data, fmt::format("is missing: its manifest says it holds {} records", m.tally.records));
            return;
        }
        ReadBack back;
        try {
            back = read_archive_file(data_path);
        } catch (const std::exception &e) {
            problem(data, e.what());
            return;
        }
        const size_t before = problems_;
        if (back.sha256 != m.sha256)
            problem(data, "its SHA-256 is " + back.sha256 + ", its manifest says " + m.sha256 + ": the file was changed");
        if (back.bytes != m.bytes) problem(data, fmt::format("holds {} bytes, its manifest says {}", back.bytes, m.bytes));
        if (back.unreadable) {
            problem(data, "cannot be read to the end: " + *back.unreadable);
        } else {
            const auto &got = back.tally, &want = m.tally;
            if (got.records != want.records) problem(data, fmt::format("holds {} records, its manifest says {}", got.records, want.records));
            auto text = [](const std::optional<std::string> &s) { return s ? "\"" + *s + "\"" : std::string("none"); };
            if (got.first_time_sent != want.first_time_sent)
                problem(data, "its first TimeSent is " + text(got.first_time_sent) + ", its manifest says " + text(want.first_time_sent));
            if (got.last_time_sent != want.last_time_sent)
                problem(data, "its last TimeSent is " + text(got.last_time_sent) + ", its manifest says " + text(want.last_time_sent));
        }
        if (problems_ != before) return;  // its range means nothing until the file matches
        check_own_range(data, m);
        Archive a{data, std::move(m), std::nullopt};
        archives_.push_back(std::move(a));
    }

    // The range runs forwards and holds the file's records, as far as its ends are instants.
    void check_own_range(const std::string &data, const Manifest &m) {
        if (m.range.IsNull()) return;
        auto from = instant(m.range["from"]), to = instant(m.range["to"]);
        auto first = instant(m.tally.first_time_sent), last = instant(m.tally.last_time_sent);
        if (from && to && *from > *to)
            problem(data, "its range runs backwards: from " + shown(m.range["from"]) + " to " + shown(m.range["to"]));
        // Late arrivals lie before the range, from lateFrom on (an incremental export's).
        if (auto late = instant(m.late_from); late && first && *first < *late)
            problem(data, "its first TimeSent " + *m.tally.first_time_sent + " is before its lateFrom (" + *m.late_from + ")");
        else if (!m.late_from && from && first && *first < *from)
            problem(data, "its first TimeSent " + *m.tally.first_time_sent + " is before its range starts (" + shown(m.range["from"]) + ")");
        if (to && last && *last > *to)
            problem(data, "its last TimeSent " + *m.tally.last_time_sent + " is after its range ends (" + shown(m.range["to"]) + ")");
    }

    // The files with a range, in order: by where the range starts when that is an instant,
    // else by their first record; a file placed by neither goes right after the file whose
    // range ends where its own starts.
    void order() {
        std::vector<const Archive *> placed, unplaced;
        for (auto &a : archives_) {
            if (a.manifest.range.IsNull()) continue;
            a.position = instant(a.manifest.range["from"]);
            if (!a.position) a.position = instant(a.manifest.tally.first_time_sent);
            (a.position ? placed : unplaced).push_back(&a);
        }
        std::stable_sort(placed.begin(), placed.end(), [](const Archive *x, const Archive *y) {
            return *x->position != *y->position ? *x->position < *y->position : x->name < y->name;
        });
        for (bool progress = true; progress && !unplaced.empty();) {
            progress = false;
            for (auto u = unplaced.begin(); u != unplaced.end(); ++u) {
                auto after = std::find_if(placed.begin(), placed.end(), [&](const Archive *p) {
                    return same_end(p->manifest.range["to"], (*u)->manifest.range["from"]);
                });
                if (after == placed.end()) continue;
                placed.insert(after + 1, *u);
                unplaced.erase(u);
                progress = true;
                break;
            }
        }
        ordered_ = std::move(placed);
        unplaced_ = std::move(unplaced);
    }

    void check_ranges() {
        order();
        const auto &files = ordered_;
        for (const Archive *u : unplaced_)
            problem(u->name, "its range " + shown(u->manifest.range) +
                                 " joins no other file's and, holding no TimeSent, cannot be placed in time");
        for (size_t i = 1; i < files.size(); ++i) {
            const Archive &a = *files[i - 1], &b = *files[i];
            const auto &a_to = a.manifest.range["to"], &b_from = b.manifest.range["from"];
            if (same_end(a_to, b_from)) continue;
            auto end = instant(a_to), start = instant(b_from);
            bool overlap;
            if (end && start) {
                overlap = *start < *end;
            } else {  // ends that are not instants: starting at a point already passed, or
                      // records earlier than the last file's, is an overlap
                auto a_last = instant(a.manifest.tally.last_time_sent), b_first = instant(b.manifest.tally.first_time_sent);
                overlap = (a_last && b_first && *b_first < *a_last) ||
                          std::any_of(files.begin(), files.begin() + static_cast<std::ptrdiff_t>(i), [&](const Archive *earlier) {
                              return same_end(earlier->manifest.range["from"], b_from) ||
                                     (earlier != &a && same_end(earlier->manifest.range["to"], b_from));
                          });
            }
            const std::string ends = a.name + " runs to " + shown(a_to) + ", this file starts at " + shown(b_from);
            if (overlap) problem(b.name, "overlaps " + a.name + ": " + ends + " (a period archived twice)");
            else problem(b.name, "leaves a gap after " + a.name + ": " + ends + ", and no file covers the time between");
        }
    }

    fs::path folder_;
    std::vector<Archive> archives_;
    std::vector<const Archive *> ordered_, unplaced_;
    size_t problems_ = 0;
    std::string out_;
};

}  // namespace

int verify_archive(const std::string &folder, std::string &report) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        report = folder + " is not a folder\n";
        return 2;
    }
    Audit audit(fs::path(folder).lexically_normal());
    const int status = audit.run();
    report = audit.report();
    return status;
}

int cmd_verify(const std::string &folder) {
    std::string report;
    const int status = verify_archive(folder, report);
    if (status == 2) std::fprintf(stderr, "nodehost: error: %s", report.c_str());
    else std::fputs(report.c_str(), stdout);
    std::fflush(stdout);
    return status;
}

}  // namespace nodehost
