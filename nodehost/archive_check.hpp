// host.checkArchived: the proof a purge needs before it deletes, that every chat the PBX
// holds up to `before` is in an archive file on disk. Its input is the PBX's chats of the
// period, read again just now (a Download Chat History step with the export's time zone
// and select, so a chat's bytes are those the export archived); each must be found, byte
// for byte, in a file under the archive folder whose manifest vouches for it (the file
// read back matches the manifest's SHA-256, size and records). Only files whose manifest's
// TimeSent span meets the chats' are read.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <wfcommon/iso8601.hpp>

namespace nodehost {

// The proof cannot be given: the step fails, and a purge guarded by it is not run.
struct ArchiveCheckError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ArchiveProof {
    std::string before;      // the instant proven up to (inclusive, as Purge Chats' Stop)
    uint64_t chats = 0;      // chats of the period the PBX holds, each found in the archive
    uint64_t files_read = 0; // archive files read back to find them
};

class ArchiveCheck {
public:
    explicit ArchiveCheck(std::string before);
    // One chat the PBX holds; throws ArchiveCheckError for one sent after `before` (the
    // re-read did not read the purge's period) or without a TimeSent.
    void add(std::string_view record);
    // Looks for every chat added in the archive under `folder`; throws ArchiveCheckError
    // naming how many are missing and when the first of them was sent, or an archive file
    // that does not match its manifest.
    ArchiveProof prove(const std::string &folder);

private:
    struct Chat {
        std::string record;
        wfcommon::iso8601::TimePoint time_sent;
        bool found = false;
    };
    std::string before_text_;
    wfcommon::iso8601::TimePoint before_;
    std::vector<Chat> chats_;
    std::unordered_multimap<std::string_view, size_t> by_bytes_;  // into chats_ (reserved once prove starts)
};

}  // namespace nodehost
