// A file that is either complete and on disk, or absent. It is written under a temporary
// name beside the target; finish() writes out the buffer, fsyncs and closes it; commit()
// finishes, renames it into place and fsyncs the folder, so the file and its name survive a crash or power loss once
// commit() returns. Destroyed uncommitted, the temporary file is removed and the target is
// untouched. A target that exists and is not a regular file (/dev/stdout, a FIFO, a device)
// is written directly: renaming over it would replace the device node itself.
// Every failure (a full disk, a failing fsync) throws, naming the target and the cause.
#pragma once

#include <string>
#include <string_view>

#include <sys/types.h>

namespace nodehost {

class DurableFile {
public:
    // `mode`: of a new file, before the umask (0600 for a file only its owner may read).
    explicit DurableFile(std::string target, mode_t mode = 0666);
    ~DurableFile();
    DurableFile(const DurableFile &) = delete;
    DurableFile &operator=(const DurableFile &) = delete;

    void write(std::string_view bytes);
    // Everything written is on disk under the temporary name (for a file that must be
    // complete before another is renamed into place).
    void finish();
    void commit();
    // True for a device, FIFO or other non-regular target (no rename, no fsync).
    bool special() const { return special_; }
    const std::string &target() const { return target_; }

private:
    void flush();
    [[noreturn]] void fail(const std::string &what, int error) const;

    std::string target_, temp_;
    std::string buffer_;
    int fd_ = -1;
    bool special_ = false;
    bool committed_ = false;
};

// Makes the renames in the folder holding `path` durable (fsync of the folder).
void sync_folder_of(const std::string &path);

// `text` as the whole of `target`, durably (temporary name, fsync, rename, fsync folder).
void write_file_durably(const std::string &target, std::string_view text, mode_t mode = 0666);

}  // namespace nodehost
