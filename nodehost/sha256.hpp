// SHA-256 of a byte stream fed in pieces (OpenSSL's libcrypto): the digest a manifest keeps
// of its archive file and `nodehost verify` recomputes.
#pragma once

#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace nodehost {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;
    void update(std::string_view bytes);
    // The digest as 64 lower-case hex digits; the object is spent afterwards.
    std::string hex();

private:
    struct Free {
        void operator()(evp_md_ctx_st *ctx) const;
    };
    std::unique_ptr<evp_md_ctx_st, Free> ctx_;
};

}  // namespace nodehost
