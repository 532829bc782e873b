// Files that survive a crash or a power cut once written: the bytes under a temporary name
// beside the target, fsync'd, renamed over it, then the folder fsync'd so the rename itself
// is on disk. A failure at any point leaves the target as it was.
#pragma once

#include <string>
#include <string_view>

#include <sys/types.h>

namespace nodehost {

// Replaces `path` with `bytes` (mode `mode` for a new file); throws std::runtime_error
// naming the file and the system's reason (a full disk: "No space left on device").
void write_file_durably(const std::string &path, std::string_view bytes, mode_t mode = 0600);

// fsync of the folder holding `path`, so that a rename or a new name in it is durable.
void sync_parent_folder(const std::string &path);

}  // namespace nodehost
