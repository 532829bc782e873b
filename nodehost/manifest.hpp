// The manifest beside each archive file, "<file>.manifest.json": what the file holds and the
// range it covers, so anyone can check the archive later (`nodehost verify`) without the
// run's log.
//   {"manifest": 1, "file": "chats-2026-09-01.jsonl.gz", "records": 812,
//    "firstTimeSent": "2026-09-01T00:03:11Z", "lastTimeSent": "2026-09-01T23:58:40Z",
//    "range": {"from": "2026-09-01T00:00:00Z", "to": "2026-09-02T00:00:00Z"},
//    "sha256": "<64 hex digits of the file's bytes>", "bytes": 51234}
// "file" is the name beside the manifest (the folder can move); first and last TimeSent are
// those of the first and last record in file order that have one (null when none has);
// "range" is the writer's `range` parameter, else the records' first and last TimeSent, else
// null (an empty file that claims no range). Its ends are opaque JSON values: two files join
// when one's "to" equals the other's "from"; ends that are ISO 8601 instants are also
// ordered in time. A file of an incremental export also holds the chats that reached the
// history late, with a TimeSent before its range: "lateFrom" (present only then) is the
// first TimeSent of those.
#pragma once

#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nodehost {

inline constexpr std::string_view manifest_suffix = ".manifest.json";

struct ManifestError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// What a file's records say about themselves, gathered a line at a time.
struct RecordTally {
    uint64_t records = 0;
    std::optional<std::string> first_time_sent, last_time_sent;
    // One JSON Lines line; throws ManifestError when it is not a JSON object.
    void add(std::string_view line);
};

struct Manifest {
    std::string file;
    RecordTally tally;
    rapidjson::Document range;  // null, or an object with "from" and "to"
    std::optional<std::string> late_from;  // "lateFrom": records before the range (late arrivals) start here
    std::string sha256;
    uint64_t bytes = 0;
};

std::string manifest_path(const std::string &file);

std::string to_json(const Manifest &manifest);

// Reads a manifest under the JSON policy; throws ManifestError naming what is wrong.
Manifest parse_manifest(const std::string &text);

// Checks that `range` is null or an object holding exactly "from" and "to"; throws
// ManifestError otherwise.
void check_range(const rapidjson::Value &range);

}  // namespace nodehost
