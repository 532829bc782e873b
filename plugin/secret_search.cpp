#include "secret_search.hpp"

#include "byte_block.hpp"

#include <cstring>

namespace wfplugin {
namespace {

bool holds(std::string_view text, std::string_view form) {
    const size_t n = text.size(), length = form.size();
    if (length > n) return false;
    if (length < 3) return std::string_view(text).find(form) != std::string_view::npos;
    const char *t = text.data();
    // Its first two bytes and its last: one pair alone ('e' and a hex digit, say) matches too
    // often in the hex of \u escapes.
    const auto first = static_cast<unsigned char>(form[0]), second = static_cast<unsigned char>(form[1]),
               last = static_cast<unsigned char>(form.back());
    auto rest_at = [&](size_t at) { return std::memcmp(t + at + 2, form.data() + 2, length - 3) == 0; };
    size_t at = 0;
    using namespace bytes;
    auto candidates = [&](size_t p) {
        return equal(load(t + p), first) & equal(load(t + p + 1), second) & equal(load(t + p + length - 1), last);
    };
    auto found_in = [&](uint32_t hits, size_t from) {
        for (; hits; hits &= hits - 1)
            if (rest_at(from + static_cast<size_t>(std::countr_zero(hits)))) return true;
        return false;
    };
    // The last place a form can start is n - length; a block reads sixteen places on.
    const size_t places = n - length + 1;
    if (places < block) {
        for (; at < places; ++at)
            if (static_cast<unsigned char>(t[at]) == first && static_cast<unsigned char>(t[at + 1]) == second &&
                static_cast<unsigned char>(t[at + length - 1]) == last && rest_at(at))
                return true;
        return false;
    }
    for (; at + 2 * block <= places; at += 2 * block)
        if (found_in(mask(candidates(at)) | mask(candidates(at + block)) << block, at)) return true;
    for (; at + block <= places; at += block)
        if (found_in(mask(candidates(at)), at)) return true;
    // The places left, in one block that overlaps the last (a place looked at twice is harmless).
    if (at < places && found_in(mask(candidates(places - block)), places - block)) return true;
    return false;
}

}  // namespace

bool holds_any(std::string_view text, const std::vector<std::string> &forms) {
    for (const auto &form : forms)
        if (holds(text, form)) return true;
    return false;
}

}  // namespace wfplugin
