// What the host's writers write to: a DurableFile, gzip-compressed when the path ends in
// ".gz", with the SHA-256 and size of the bytes that reach the disk (what a manifest records).
#pragma once

#include "durable_file.hpp"
#include "gzip.hpp"
#include "sha256.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace nodehost {

// True for a path ending in ".gz".
bool is_gzip_path(std::string_view path);

class OutputFile {
public:
    explicit OutputFile(const std::string &target);
    void write(std::string_view text);

    struct Written {
        std::string sha256;  // of the file's bytes (compressed, for .gz)
        uint64_t bytes = 0;
    };
    // Ends the gzip stream; the whole file is on disk under its temporary name.
    Written finish();
    // Renames it into place, durably.
    void commit() { file_.commit(); }
    bool special() const { return file_.special(); }

private:
    void to_disk(std::string_view bytes);

    DurableFile file_;
    Sha256 sha_;
    uint64_t bytes_ = 0;
    std::unique_ptr<GzipDeflater> gzip_;
};

}  // namespace nodehost
