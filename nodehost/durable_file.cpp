#include "durable_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace nodehost {
namespace {

namespace fs = std::filesystem;

constexpr size_t buffer_size = 256 * 1024;

}  // namespace

// The rename is durable only once the folder holding the new name is on disk too.
void sync_folder_of(const std::string &path) {
    fs::path parent = fs::path(path).parent_path();
    if (parent.empty()) parent = ".";
    const int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot open the folder " + parent.string() + " to sync it: " + std::strerror(errno));
    // Some file systems cannot sync a folder (EINVAL): their renames are as durable as they get.
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    if (rc != 0 && error != EINVAL)
        throw std::runtime_error("syncing the folder " + parent.string() + " failed: " + std::strerror(error));
}

DurableFile::DurableFile(std::string target, mode_t mode) : target_(std::move(target)) {
    struct stat st {};
    special_ = ::stat(target_.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
    temp_ = special_ ? target_ : target_ + ".partial-" + std::to_string(::getpid());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd_ < 0) throw std::runtime_error("cannot write " + target_ + ": " + std::strerror(errno));
    buffer_.reserve(buffer_size);
}

DurableFile::~DurableFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !special_) ::unlink(temp_.c_str());
}

void DurableFile::write(std::string_view bytes) {
    if (buffer_.size() + bytes.size() > buffer_size) flush();
    if (bytes.size() >= buffer_size) {  // large pieces go straight through
        buffer_ = bytes;
        flush();
        return;
    }
    buffer_.append(bytes);
}

void DurableFile::flush() {
    std::string_view rest = buffer_;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd_, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("writing", errno);
        rest.remove_prefix(static_cast<size_t>(n));
    }
    buffer_.clear();
}

void DurableFile::finish() {
    if (fd_ < 0) return;
    flush();
    if (!special_ && ::fsync(fd_) != 0) fail("syncing", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("writing", errno);  // NFS reports a full disk as late as this
}

void DurableFile::commit() {
    finish();
    if (!special_) {
        if (::rename(temp_.c_str(), target_.c_str()) != 0) fail("renaming the finished file to", errno);
        committed_ = true;
        sync_folder_of(target_);
    }
    committed_ = true;
}

void DurableFile::fail(const std::string &what, int error) const {
    throw std::runtime_error(what + " " + target_ + " failed: " + std::strerror(error));
}

void write_file_durably(const std::string &target, std::string_view text, mode_t mode) {
    DurableFile file(target, mode);
    file.write(text);
    file.commit();
}

}  // namespace nodehost
