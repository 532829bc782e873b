#include "archive_check.hpp"

#include "archive_reader.hpp"
#include "io.hpp"
#include "manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>

namespace nodehost {
namespace {

namespace fs = std::filesystem;
namespace iso8601 = wfcommon::iso8601;

}  // namespace

ArchiveCheck::ArchiveCheck(std::string before) : before_text_(std::move(before)) {
    auto t = iso8601::parse(before_text_);
    if (!t) throw ArchiveCheckError("parameters.before must be an ISO 8601 date-time, not \"" + before_text_.substr(0, 60) + "\"");
    before_ = *t;
}

void ArchiveCheck::add(std::string_view record) {
    rapidjson::Document doc = parse_json(std::string(record), "a chat of the period");
    const auto it = doc.IsObject() ? doc.FindMember("TimeSent") : doc.MemberEnd();
    auto t = it != doc.MemberEnd() && it->value.IsString() ? iso8601::parse(it->value.GetString()) : std::nullopt;
    if (!t) throw ArchiveCheckError("a chat of the period has no TimeSent, so it cannot be placed in the archive");
    if (*t > before_)
        throw ArchiveCheckError(fmt::format("a chat of the input was sent at {}, after {}: the step that reads the PBX must "
                                            "read exactly what the purge deletes (TimeSent le {})",
                                            it->value.GetString(), before_text_, before_text_));
    chats_.push_back({std::string(record), *t, false});
}

ArchiveProof ArchiveCheck::prove(const std::string &folder) {
    ArchiveProof proof{before_text_, chats_.size(), 0};
    if (chats_.empty()) return proof;
    for (size_t i = 0; i < chats_.size(); ++i) by_bytes_.emplace(chats_[i].record, i);
    const auto earliest = std::min_element(chats_.begin(), chats_.end(), [](const Chat &a, const Chat &b) {
                              return a.time_sent < b.time_sent;
                          })->time_sent;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw ArchiveCheckError("the archive folder " + folder + " does not exist");
    std::vector<fs::path> manifests;
    for (const auto &e : fs::recursive_directory_iterator(folder)) {
        const std::string name = e.path().filename().string();
        if (e.is_regular_file() && name.find(".partial-") == std::string::npos && name.size() > manifest_suffix.size() &&
            name.compare(name.size() - manifest_suffix.size(), manifest_suffix.size(), manifest_suffix) == 0)
            manifests.push_back(e.path());
    }
    std::sort(manifests.begin(), manifests.end());
    uint64_t missing = chats_.size();
    for (const auto &path : manifests) {
        if (missing == 0) break;
        const std::string data = path.string().substr(0, path.string().size() - manifest_suffix.size());
        Manifest m;
        try {
            m = parse_manifest(inline_or_file("@" + path.string(), "manifest"));
        } catch (const std::exception &e) {
            throw ArchiveCheckError("the archive's manifest " + path.string() + " cannot be read (" + e.what() +
                                    "): run nodehost verify " + folder);
        }
        // A file whose records all lie outside the chats' span holds none of them.
        auto first = iso8601::parse_if_present(m.tally.first_time_sent), last = iso8601::parse_if_present(m.tally.last_time_sent);
        if (m.tally.records == 0 || (first && *first > before_) || (last && *last < earliest)) continue;
        ++proof.files_read;
        std::vector<size_t> found_here;
        ReadBack back;
        try {
            back = read_archive_file(data, [&](std::string_view record) {
                auto [from, to] = by_bytes_.equal_range(record);
                for (auto it = from; it != to; ++it)
                    if (!chats_[it->second].found) {
                        chats_[it->second].found = true;
                        found_here.push_back(it->second);
                        break;
                    }
            });
        } catch (const std::exception &e) {
            throw ArchiveCheckError("the archive file " + data + " cannot be read (" + e.what() + ")");
        }
        // Only a file that is what its manifest says vouches for its records.
        if (back.unreadable || back.sha256 != m.sha256 || back.bytes != m.bytes || back.tally.records != m.tally.records)
            throw ArchiveCheckError("the archive file " + data + " does not match its manifest" +
                                    (back.unreadable ? " (" + *back.unreadable + ")" : std::string(" (SHA-256, size or records)")) +
                                    ": it cannot vouch for the chats it holds; run nodehost verify " + folder);
        missing -= found_here.size();
    }
    if (missing) {
        const Chat *first = nullptr;
        for (const auto &c : chats_)
            if (!c.found && (!first || c.time_sent < first->time_sent)) first = &c;
        throw ArchiveCheckError(fmt::format("{} of the {} chats the PBX holds up to {} are in no archive file under {} (the "
                                            "first of them sent at {}): they would be lost",
                                            missing, chats_.size(), before_text_, folder, iso8601::format(first->time_sent)));
    }
    return proof;
}

}  // namespace nodehost
