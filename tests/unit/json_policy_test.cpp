// The one JSON policy (common/), white-box: what an escape can make is held to the same rule
// as raw text, and a refusal's message is text that can be shown (valid UTF-8, no value).
#include <doctest/doctest.h>
#include <wfcommon/json_policy.hpp>

#include <string>
#include <vector>

namespace {

// True when `s` is UTF-8 that holds no surrogate code point (RFC 3629).
bool valid_utf8(const std::string &s) {
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        if (n == 3 && c == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) return false;
        i += n;
    }
    return true;
}

}  // namespace

TEST_CASE("JSON: a lone UTF-16 surrogate escape is refused like the bytes it would make, a pair is one character") {
    rapidjson::Document pair;
    REQUIRE_FALSE(wfcommon::json::parse(R"({"a":"\ud83d\ude00"})", pair));
    CHECK(std::string(pair["a"].GetString()) == "\xF0\x9F\x98\x80");

    struct Row {
        const char *text;
        const char *path;  // where the problem is said to be
    };
    for (const Row &r : std::vector<Row>{{R"({"a":"\udc00"})", "a"},
                                         {R"({"a":"x\udfffy"})", "a"},
                                         {R"({"o":{"list":[1,"\udc00"]}})", "o.list[1]"},
                                         {R"({"o":{"\udc00":1}})", "o"},
                                         {R"({"o":{"\udc00":1,"\udc00":2}})", "o"}}) {
        CAPTURE(r.text);
        rapidjson::Document doc;
        auto problem = wfcommon::json::parse(r.text, doc);
        REQUIRE(problem);
        CHECK(problem->why.find("lone UTF-16 surrogate") != std::string::npos);
        CHECK(problem->path == r.path);
        CHECK(valid_utf8(problem->describe()));
    }
}
