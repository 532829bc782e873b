#include "durable_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace nodehost {
namespace {

[[noreturn]] void fail(const std::string &what, const std::string &path) {
    throw std::runtime_error(what + " " + path + " failed: " + std::strerror(errno));
}

}  // namespace

void sync_parent_folder(const std::string &path) {
    std::string folder = std::filesystem::path(path).parent_path().string();
    if (folder.empty()) folder = ".";
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fail("opening the folder", folder);
    const int synced = ::fsync(fd);
    ::close(fd);
    if (synced != 0) fail("syncing the folder", folder);
}

void write_file_durably(const std::string &path, std::string_view bytes, mode_t mode) {
    const std::string temp = path + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail("creating", temp);
    auto abandon = [&](const char *what) {
        const int saved = errno;
        ::close(fd);
        ::unlink(temp.c_str());
        errno = saved;
        fail(what, temp);
    };
    for (size_t done = 0; done < bytes.size();) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) abandon("writing");
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) abandon("syncing");
    if (::close(fd) != 0) {
        ::unlink(temp.c_str());
        fail("closing", temp);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        ::unlink(temp.c_str());
        errno = saved;
        fail("renaming " + temp + " to", path);
    }
    sync_parent_folder(path);
}

}  // namespace nodehost
