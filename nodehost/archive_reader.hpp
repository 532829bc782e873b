// Reads an archive file back (gunzipped when its name ends in ".gz"): its records, their
// tally, and the SHA-256 and size of its bytes, in one pass with flat memory. `nodehost
// verify` checks manifests with it; anything that needs the archive's records can use it.
#pragma once

#include "manifest.hpp"

#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nodehost {

struct ReadBack {
    RecordTally tally;  // of the records before `unreadable`, if any
    std::string sha256;
    uint64_t bytes = 0;
    // Where the content stops being JSON Lines (bad gzip data, a line that is not a JSON
    // object); the bytes are still hashed to the end.
    std::optional<std::string> unreadable;
};

// Blank lines are skipped, as read_json_lines skips them. `on_record` sees each record up to
// the first unreadable one. Throws std::runtime_error when the file cannot be opened or read.
ReadBack read_archive_file(const std::string &path, const std::function<void(std::string_view record)> &on_record = {});

}  // namespace nodehost
