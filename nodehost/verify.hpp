// `nodehost verify FOLDER`: audits the archive files under FOLDER (and its subfolders).
//   - each manifest against its file: the file exists, its SHA-256 and size, its records
//     (every line a JSON object, their count, first and last TimeSent) and that they lie
//     within the range the manifest claims;
//   - every JSON Lines file (.jsonl, .jsonl.gz) has a manifest;
//   - the ranges, in order, join: each one's "from" equals the previous one's "to", with no
//     gap and no overlap.
// Prints one line per problem, naming the file and what is wrong, then a summary.
#pragma once

#include <string>

namespace nodehost {

// 0 when the archive is sound, 1 on any problem, 2 when FOLDER is not a readable folder.
int cmd_verify(const std::string &folder);
// The same audit, its report (one line per problem, then the summary) in `report`; the
// pipeline step host.verifyArchive runs it.
int verify_archive(const std::string &folder, std::string &report);

}  // namespace nodehost
