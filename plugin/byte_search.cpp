#include "wfplugin/byte_search.hpp"

#include "byte_block.hpp"

#include <cstring>

namespace wfplugin {

WFPLUGIN_BYTE_SCAN bool contains(std::string_view text, std::string_view needle) {
    const size_t n = text.size(), length = needle.size();
    if (length > n) return false;
    if (length < 3) return text.find(needle) != std::string_view::npos;
    const char *t = text.data();
    // Its first two bytes and its last: one pair alone ('e' and a hex digit, say) matches too
    // often in the hex of \u escapes.
    const auto first = static_cast<unsigned char>(needle[0]), second = static_cast<unsigned char>(needle[1]),
               last = static_cast<unsigned char>(needle.back());
    auto rest_at = [&](size_t at) { return std::memcmp(t + at + 2, needle.data() + 2, length - 3) == 0; };
    const size_t places = n - length + 1;  // a match starts at 0 to n - length
    if (places < bytes::block) {
        for (size_t at = 0; at < places; ++at)
            if (static_cast<unsigned char>(t[at]) == first && static_cast<unsigned char>(t[at + 1]) == second &&
                static_cast<unsigned char>(t[at + length - 1]) == last && rest_at(at))
                return true;
        return false;
    }
    using namespace bytes;
    // A needle of up to eight bytes (the reader's "\u0000") is tested at every byte in the
    // block, so a place that passes is a match: on escaped text its first two bytes and its last
    // pass at one \u escape in sixteen, and a memcmp call at each cost more than the block test.
    const bool whole_in_block = length <= 8;
    auto found_from = [&](size_t from) WFPLUGIN_INLINED {
        Block candidates =
            equal(load(t + from), first) & equal(load(t + from + 1), second) & equal(load(t + from + length - 1), last);
        if (!any(candidates)) [[likely]]
            return false;
        if (whole_in_block) {
            for (size_t k = 2; k + 1 < length; ++k)
                candidates &= equal(load(t + from + k), static_cast<unsigned char>(needle[k]));
            return any(candidates);
        }
        return any_place(candidates, [&](size_t i) { return rest_at(from + i); });
    };
    size_t at = 0;
    for (; at + block <= places; at += block)
        if (found_from(at)) return true;
    // The places left, in one block that overlaps the last (a place looked at twice is harmless).
    return at < places && found_from(places - block);
}

bool contains_any(std::string_view text, const std::vector<std::string> &needles) {
    for (const auto &needle : needles)
        if (contains(text, needle)) return true;
    return false;
}

}  // namespace wfplugin
