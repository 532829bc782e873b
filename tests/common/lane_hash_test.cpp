// The page fingerprint's hash (wfcommon/lane_hash.hpp): a page told from another by any byte
// of any record, whatever its length and wherever that byte lies.
#include <wfcommon/lane_hash.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

TEST_CASE("lane_hash: the same bytes hash alike, and one byte changed anywhere or one more hashes otherwise") {
    std::set<uint64_t> seen;
    for (size_t length = 0; length <= 100; ++length) {
        std::string text(length, 'x');
        for (size_t i = 0; i < length; ++i) text[i] = static_cast<char>('a' + i % 26);
        CAPTURE(length);
        CHECK(wfcommon::lane_hash::hash(text) == wfcommon::lane_hash::hash(std::string(text)));
        CHECK(seen.insert(wfcommon::lane_hash::hash(text)).second);  // each length its own (a zero byte more too)
        for (size_t at = 0; at < length; ++at) {
            CAPTURE(at);
            std::string changed = text;
            changed[at] ^= 1;
            CHECK(wfcommon::lane_hash::hash(changed) != wfcommon::lane_hash::hash(text));
        }
    }
    CHECK(wfcommon::lane_hash::hash(std::string(7, '\0')) != wfcommon::lane_hash::hash(std::string(8, '\0')));
}
