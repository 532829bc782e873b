// host.writeJsonLines: items as JSON Lines (gzip for a path ending in ".gz"), and beside the
// file its manifest (manifest.hpp). The file and the manifest are both complete and synced
// to disk before either is renamed into place, so a failure leaves the target and any
// earlier manifest as they were; a crash between the two renames leaves a file whose
// manifest is missing or does not match, which `nodehost verify` reports. A pipeline with
// checkpoints finishes the file when its step ends and commits it only with the checkpoint
// of the export it came from (pipeline_runner.cpp): a failed run leaves no file.
#pragma once

#include "manifest.hpp"
#include "output_file.hpp"

#include <rapidjson/document.h>

#include <memory>

#include <string>
#include <string_view>

namespace nodehost {

class ArchiveWriter {
public:
    explicit ArchiveWriter(const std::string &path);
    // One JSON object, without its newline.
    void add(std::string_view line);
    uint64_t records() const { return tally_.records; }
    // Finishes the file and its manifest under temporary names, both synced to disk.
    // `range` is the one the file claims to cover ({"from", "to"}), or null for its records'
    // first and last TimeSent. A device or FIFO target gets no manifest. Returns the manifest.
    Manifest finish(const rapidjson::Value &range);
    // Renames both into place, durably (the file first). Destroyed before, both are removed.
    void commit();
    const std::string &path() const { return path_; }

private:
    std::string path_;
    OutputFile file_;
    RecordTally tally_;
    std::unique_ptr<DurableFile> manifest_;
};

}  // namespace nodehost
