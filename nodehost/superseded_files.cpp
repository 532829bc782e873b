#include "superseded_files.hpp"

#include "archive_reader.hpp"
#include "durable_file.hpp"
#include "io.hpp"
#include "manifest.hpp"

#include <filesystem>
#include <string_view>
#include <unordered_map>

namespace nodehost {

namespace fs = std::filesystem;

Superseded supersede_earlier_files(const std::string &file, const rapidjson::Value &from) {
    Superseded out;
    fs::path folder = fs::path(file).parent_path();
    if (folder.empty()) folder = ".";
    const std::string own = fs::path(file).filename().string();
    std::vector<fs::path> candidates;
    for (const auto &e : fs::directory_iterator(folder)) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || !std::string_view(name).ends_with(manifest_suffix) || name == own + std::string(manifest_suffix)) continue;
        Manifest m;
        try {
            m = parse_manifest(inline_or_file("@" + e.path().string(), "manifest"));
        } catch (const std::exception &) {
            continue;  // verify names a manifest it cannot read; nothing here to supersede
        }
        if (m.range.IsObject() && m.range["from"] == from) candidates.push_back(e.path());
    }
    if (candidates.empty()) return out;
    // The new file's records, counted by their bytes.
    std::unordered_map<std::string, uint64_t> held;
    read_archive_file(file, [&](std::string_view record) { ++held[std::string(record)]; });
    for (const auto &manifest : candidates) {
        const std::string data = manifest.string().substr(0, manifest.string().size() - manifest_suffix.size());
        auto left = held;
        bool subset = true;
        try {
            const ReadBack back = read_archive_file(data, [&](std::string_view record) {
                auto it = left.find(std::string(record));
                if (it == left.end() || it->second == 0) subset = false;
                else --it->second;
            });
            subset = subset && !back.unreadable;
        } catch (const std::exception &) {
            subset = false;
        }
        if (!subset) {
            out.kept.push_back(data);
            continue;
        }
        fs::rename(data, data + ".superseded");
        fs::rename(manifest, manifest.string() + ".superseded");
        out.moved.push_back(data);
    }
    if (!out.moved.empty()) sync_folder_of(file);
    return out;
}

}  // namespace nodehost
