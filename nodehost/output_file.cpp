#include "output_file.hpp"

namespace nodehost {

bool is_gzip_path(std::string_view path) { return path.size() > 3 && path.substr(path.size() - 3) == ".gz"; }

OutputFile::OutputFile(const std::string &target) : file_(target) {
    if (is_gzip_path(target)) gzip_ = std::make_unique<GzipDeflater>([this](std::string_view b) { to_disk(b); });
}

void OutputFile::write(std::string_view text) {
    if (gzip_) gzip_->write(text);
    else to_disk(text);
}

void OutputFile::to_disk(std::string_view bytes) {
    file_.write(bytes);
    sha_.update(bytes);
    bytes_ += bytes.size();
}

OutputFile::Written OutputFile::finish() {
    if (gzip_) gzip_->finish();
    gzip_.reset();
    file_.finish();
    return {sha_.hex(), bytes_};
}

}  // namespace nodehost
