#include "archive_reader.hpp"

#include "gzip.hpp"
#include "io.hpp"
#include "output_file.hpp"
#include "sha256.hpp"

#include <wfcommon/json_policy.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>

namespace nodehost {

namespace {

// The content stops being JSON Lines here; the message says where.
struct Unreadable : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace

ReadBack read_archive_file(const std::string &path, const std::function<void(std::string_view)> &on_record) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read it: " + std::string(std::strerror(errno)));
    ReadBack back;
    Sha256 sha;
    uint64_t line_number = 0;
    LineSplitter splitter(wfcommon::json::max_bytes);
    const LineSplitter::OnLine on_line = [&](std::string &line, bool whole) {
        ++line_number;
        if (!whole) throw Unreadable("line " + std::to_string(line_number) + " is longer than the JSON policy's limit");
        if (line.find_first_not_of(" \t\r") == std::string::npos) return;
        try {
            back.tally.add(line);
        } catch (const ManifestError &e) {
            throw Unreadable("line " + std::to_string(line_number) + ": " + e.what());
        }
        if (on_record) on_record(line);
    };
    auto to_lines = [&](std::string_view text) { splitter.feed(text, on_line); };
    std::optional<GzipInflater> gunzip;
    if (is_gzip_path(path)) gunzip.emplace(to_lines);
    // Runs one step of decoding until the first problem; after it, only hashing goes on.
    auto decode = [&](const std::function<void()> &step) {
        if (back.unreadable) return;
        try {
            step();
        } catch (const Unreadable &e) {
            back.unreadable = e.what();
        } catch (const GzipError &e) {
            back.unreadable = e.what();
        }
    };
    std::string buffer(1 << 20, '\0');
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const std::string_view got(buffer.data(), static_cast<size_t>(in.gcount()));
        sha.update(got);
        back.bytes += got.size();
        decode([&] {
            if (gunzip) gunzip->feed(got);
            else to_lines(got);
        });
    }
    if (in.bad()) throw std::runtime_error("reading it failed after byte " + std::to_string(back.bytes));
    decode([&] {
        if (gunzip) gunzip->finish();
        splitter.finish(on_line);
    });
    back.sha256 = sha.hex();
    return back;
}

}  // namespace nodehost
