// After a crash between an archive file's rename and its export's checkpoint commit, the
// file stays with the checkpoint not moved, and the next run archives the same records again
// in a file of its own: both start where the committed checkpoint is. When the new file is in
// place, every earlier file that starts there too and whose records the new file all holds
// is moved aside (renamed "<file>.superseded", its manifest too: kept for an audit, no longer
// part of the archive), so the archive holds each record once again and `verify` passes. An
// earlier file with a record the new one lacks is left where it is, and said.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace nodehost {

struct Superseded {
    std::vector<std::string> moved;  // the files moved aside
    std::vector<std::string> kept;   // files that start there too but hold a record the new one lacks
};

// `file` is the archive file just put in place, `from` the start of its range.
Superseded supersede_earlier_files(const std::string &file, const rapidjson::Value &from);

}  // namespace nodehost
