#include "gzip.hpp"

#include <zlib.h>

#include <string>

namespace nodehost {
namespace {

constexpr int gzip_window = 15 + 16;  // the largest window, with a gzip header and trailer
constexpr size_t chunk = 64 * 1024;

void set_input(z_stream &z, std::string_view bytes) {
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.data()));  // zlib does not write through it
    z.avail_in = static_cast<uInt>(bytes.size());
}

}  // namespace

GzipDeflater::GzipDeflater(ByteSink sink) : sink_(std::move(sink)), z_(std::make_unique<z_stream>()) {
    if (deflateInit2(z_.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, gzip_window, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw GzipError("zlib could not start compressing");
}

GzipDeflater::~GzipDeflater() { deflateEnd(z_.get()); }

void GzipDeflater::write(std::string_view bytes) {
    // zlib counts input in uInt: pieces larger than that go in turns.
    while (bytes.size() > chunk) {
        run(bytes.substr(0, chunk), Z_NO_FLUSH);
        bytes.remove_prefix(chunk);
    }
    run(bytes, Z_NO_FLUSH);
}

void GzipDeflater::finish() { run({}, Z_FINISH); }

void GzipDeflater::run(std::string_view bytes, int flush) {
    set_input(*z_, bytes);
    char out[chunk];
    int status = Z_OK;
    do {
        z_->next_out = reinterpret_cast<Bytef *>(out);
        z_->avail_out = sizeof out;
        status = deflate(z_.get(), flush);
        if (status == Z_STREAM_ERROR) throw GzipError("zlib failed while compressing");
        sink_(std::string_view(out, sizeof out - z_->avail_out));
    } while (z_->avail_out == 0 || (flush == Z_FINISH && status != Z_STREAM_END));
}

GzipInflater::GzipInflater(ByteSink sink) : sink_(std::move(sink)), z_(std::make_unique<z_stream>()) {
    if (inflateInit2(z_.get(), gzip_window) != Z_OK) throw GzipError("zlib could not start decompressing");
}

GzipInflater::~GzipInflater() { inflateEnd(z_.get()); }

void GzipInflater::feed(std::string_view bytes) {
    while (bytes.size() > chunk) {
        feed(bytes.substr(0, chunk));
        bytes.remove_prefix(chunk);
    }
    set_input(*z_, bytes);
    char out[chunk];
    bool output_full = false;  // zlib may hold more output than one buffer took
    while (z_->avail_in > 0 || output_full) {
        const uInt before = z_->avail_in;
        z_->next_out = reinterpret_cast<Bytef *>(out);
        z_->avail_out = sizeof out;
        const int status = inflate(z_.get(), Z_NO_FLUSH);
        consumed_ += before - z_->avail_in;
        if (before > z_->avail_in) in_member_ = true;
        if (status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR)
            throw GzipError("not gzip data at compressed byte " + std::to_string(consumed_) + " (" +
                            (z_->msg ? z_->msg : zError(status)) + ")");
        sink_(std::string_view(out, sizeof out - z_->avail_out));
        output_full = z_->avail_out == 0;
        if (status == Z_STREAM_END) {  // a member ended; another may follow
            in_member_ = false;
            inflateReset(z_.get());
        } else if (status == Z_BUF_ERROR) {
            break;  // nothing more to do with what was given
        }
    }
}

void GzipInflater::finish() {
    if (in_member_) throw GzipError("the gzip data ends early (after compressed byte " + std::to_string(consumed_) + "): the file is truncated");
}

}  // namespace nodehost
