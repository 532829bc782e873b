#include "secret_search.hpp"

#include "byte_block.hpp"

#include <cstring>

namespace wfplugin {
namespace {

WFPLUGIN_BYTE_SCAN bool holds(std::string_view text, std::string_view form) {
    const size_t n = text.size(), length = form.size();
    if (length > n) return false;
    if (length < 3) return text.find(form) != std::string_view::npos;
    const char *t = text.data();
    // Its first two bytes and its last: one pair alone ('e' and a hex digit, say) matches too
    // often in the hex of \u escapes.
    const auto first = static_cast<unsigned char>(form[0]), second = static_cast<unsigned char>(form[1]),
               last = static_cast<unsigned char>(form.back());
    auto rest_at = [&](size_t at) { return std::memcmp(t + at + 2, form.data() + 2, length - 3) == 0; };
    const size_t places = n - length + 1;  // a form starts at 0 to n - length
    if (places < bytes::block) {
        for (size_t at = 0; at < places; ++at)
            if (static_cast<unsigned char>(t[at]) == first && static_cast<unsigned char>(t[at + 1]) == second &&
                static_cast<unsigned char>(t[at + length - 1]) == last && rest_at(at))
                return true;
        return false;
    }
    using namespace bytes;
    auto found_from = [&](size_t from) WFPLUGIN_INLINED {
        const Block candidates =
            equal(load(t + from), first) & equal(load(t + from + 1), second) & equal(load(t + from + length - 1), last);
        if (!any(candidates)) [[likely]]
            return false;
        return any_place(candidates, [&](size_t i) { return rest_at(from + i); });
    };
    size_t at = 0;
    for (; at + block <= places; at += block)
        if (found_from(at)) return true;
    // The places left, in one block that overlaps the last (a place looked at twice is harmless).
    return at < places && found_from(places - block);
}

}  // namespace

bool holds_any(std::string_view text, const std::vector<std::string> &forms) {
    for (const auto &form : forms)
        if (holds(text, form)) return true;
    return false;
}

}  // namespace wfplugin
