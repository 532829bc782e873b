// gzip (RFC 1952) through zlib, a piece at a time: the writers compress what they write to a
// path ending in ".gz", and `nodehost verify` decompresses what it reads back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string_view>

struct z_stream_s;

namespace nodehost {

using ByteSink = std::function<void(std::string_view)>;

struct GzipError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class GzipDeflater {
public:
    explicit GzipDeflater(ByteSink sink);
    ~GzipDeflater();
    GzipDeflater(const GzipDeflater &) = delete;
    GzipDeflater &operator=(const GzipDeflater &) = delete;
    void write(std::string_view bytes);
    // Flushes the rest and the trailer (CRC-32 and length); nothing may be written after.
    void finish();

private:
    void run(std::string_view bytes, int flush);
    ByteSink sink_;
    std::unique_ptr<z_stream_s> z_;
};

// Accepts one gzip member or several concatenated (as gzip and Python read them).
class GzipInflater {
public:
    explicit GzipInflater(ByteSink sink);
    ~GzipInflater();
    GzipInflater(const GzipInflater &) = delete;
    GzipInflater &operator=(const GzipInflater &) = delete;
    // Throws GzipError naming the compressed byte offset where the data stops being gzip.
    void feed(std::string_view bytes);
    // Throws GzipError when the data ended inside a member (a truncated file).
    void finish();

private:
    ByteSink sink_;
    std::unique_ptr<z_stream_s> z_;
    uint64_t consumed_ = 0;     // compressed bytes read so far
    bool in_member_ = false;    // inside a member: its end has not been seen
};

}  // namespace nodehost
