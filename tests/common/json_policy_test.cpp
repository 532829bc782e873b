// The one JSON reading policy (common/json_policy), white-box: every refusal says why, at which
// value (its path) and at which byte, and what the policy allows is read whole.
#include <wfcommon/json_policy.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

using wfcommon::json::max_bytes;
using wfcommon::json::max_depth;
using wfcommon::json::parse;
using wfcommon::json::Problem;

namespace {

Problem refusal(std::string_view text) {
    rapidjson::Document doc;
    auto problem = parse(text, doc);
    REQUIRE_MESSAGE(problem, "accepted: ", std::string(text.substr(0, 80)));
    return *problem;
}

bool accepted(std::string_view text) {
    rapidjson::Document doc;
    return !parse(text, doc);
}

// Whole UTF-8 sequences only: a lead byte, then exactly its continuation bytes.
bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        const auto lead = static_cast<unsigned char>(s[i]);
        const size_t n = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

std::string nested(std::size_t levels, const std::string &open, const std::string &inner, const std::string &close) {
    std::string text;
    for (std::size_t i = 0; i < levels; ++i) text += open;
    text += inner;
    for (std::size_t i = 0; i < levels; ++i) text += close;
    return text;
}

struct Case {
    std::string what;
    std::string text;
    std::string why, path;
    std::size_t offset;
};

void check_table(const std::vector<Case> &cases) {
    for (const auto &c : cases) {
        CAPTURE(c.what);
        const Problem p = refusal(c.text);
        CHECK(p.why == c.why);
        CHECK(p.path == c.path);
        CHECK(p.offset == c.offset);
    }
}

}  // namespace

TEST_CASE("what the policy allows is read whole") {
    rapidjson::Document doc;
    REQUIRE_FALSE(parse(R"({"a":[1,{"b":"c\u00e9"}],"n":-2.5e3,"t":true,"z":null})", doc));
    CHECK(std::string(doc["a"][1]["b"].GetString()) == "c\xC3\xA9");
    CHECK(doc["n"].GetDouble() == -2500.0);
    // The same key in two objects is no duplicate; white space after the document is allowed.
    CHECK(accepted(R"({"a":{"a":1},"b":{"a":2}} )" "\n\t"));
    CHECK(accepted("\"\xE2\x82\xAC \xF0\x9F\x98\x80\""));  // 3- and 4-byte characters
}

TEST_CASE("duplicate keys: refused at the duplicate, the path naming it") {
    // The offset is the byte just past the second key.
    check_table({
        {"at the root", R"({"a":1,"a":2})", R"(duplicate key "a")", "a", 10},
        {"in a nested object", R"({"options":{"top":1,"top":2}})", R"(duplicate key "top")", "options.top", 25},
        {"spelled differently, the same key", R"({"ab":1,"a\u0062":2})", R"(duplicate key "ab")", "ab", 17},
        {"a long key, cut in the message", "{\"" + std::string(50, 'k') + "\":1,\"" + std::string(50, 'k') + "\":2}",
         "duplicate key \"" + std::string(40, 'k') + "\"...", std::string(50, 'k'), 108},
    });
}

TEST_CASE("NUL: an escaped NUL character and a raw NUL byte are refused") {
    check_table({
        {"\\u0000 in a string", R"({"a":"x\u0000y"})", R"(a string holds a NUL character (\u0000))", "a", 15},
        // A refused key is not repeated, not even in the path: the object holding it is named.
        {"\\u0000 in a key", R"({"k\u0000":1})", R"(a key holds a NUL character (\u0000))", "", 10},
        // A raw NUL would end RapidJSON's input: found before parsing, at its own byte.
        {"a raw NUL byte in a string", std::string("{\"a\":\"x\0y\"}", 11), "a raw NUL byte (JSON text cannot hold one)", "", 7},
        {"a raw NUL byte after the document", std::string("{}\0{\"a\":1}", 10), "a raw NUL byte (JSON text cannot hold one)", "", 2},
    });
}

TEST_CASE("invalid UTF-8 is refused at its first byte") {
    check_table({
        {"a lead byte without its continuation", "{\"a\":\"\xC3(\"}", "Invalid encoding in string", "a", 6},
        {"an overlong '/'", "{\"a\":\"\xC0\xAF\"}", "Invalid encoding in string", "a", 6},
        {"a surrogate encoded as UTF-8 (CESU-8)", "{\"a\":\"\xED\xA0\x80\"}", "Invalid encoding in string", "a", 6},
        {"past U+10FFFF", "{\"a\":\"\xF4\x90\x80\x80\"}", "Invalid encoding in string", "a", 6},
        {"a stray continuation byte", "{\"a\":[\"ok\",\"\x80\"]}", "Invalid encoding in string", "a[1]", 12},
        {"in a key (the key not yet read: its object's path)", "{\"a\":{\"\xFF\":1}}", "Invalid encoding in string", "a", 7},
        {"a lone surrogate escape", R"({"a":"\ud800"})", "The surrogate pair in string is invalid", "a", 6},
    });
}

TEST_CASE("depth: 64 levels are read, 65 are refused at the 65th opening") {
    static_assert(max_depth == 64);
    CHECK(accepted(nested(64, "[", "", "]")));
    CHECK(accepted(nested(63, "{\"a\":", "[]", "}")));
    const Problem arrays = refusal(nested(65, "[", "", "]"));
    CHECK(arrays.why == "nested deeper than 64 levels");
    CHECK(arrays.offset == 64);
    CHECK(arrays.path.size() == 160 + 3);  // "[0]" 64 times, cut
    const Problem objects = refusal(nested(64, "{\"a\":", "[]", "}"));
    CHECK(objects.why == "nested deeper than 64 levels");
    CHECK(objects.offset == 64 * 5);
    std::string path = "a";
    for (int i = 1; i < 64; ++i) path += ".a";
    CHECK(objects.path == path);
}

TEST_CASE("one document: anything but white space after it is refused where it starts") {
    check_table({
        {"a word", R"({"a":1} x)", "more data follows the JSON document", "", 8},
        {"a second document", "{}{}", "more data follows the JSON document", "", 2},
        {"a second number", "1 2", "more data follows the JSON document", "", 2},
    });
    CHECK(refusal("").why == "The document is empty");
}

TEST_CASE("size: at most max_bytes of text, and one byte more is refused before reading") {
    static_assert(max_bytes == 64u << 20);
    std::string text(max_bytes - 1, ' ');
    text += '0';
    CHECK(accepted(text));
    text += ' ';
    const Problem p = refusal(text);
    CHECK(p.why == "67108865 bytes of text; at most 67108864 are accepted");
    CHECK(p.path == "");
    CHECK(p.offset == 0);
}

TEST_CASE("the path: array indexes stay right after inner arrays close, odd keys are quoted") {
    check_table({
        {"after an inner array", R"({"a":[1,2],"b":[3,{"c":1,"c":2}]})", R"(duplicate key "c")", "b[1].c", 28},
        {"after two inner arrays", R"([[1,2],[3,4],{"x":1,"x":1}])", R"(duplicate key "x")", "[2].x", 23},
        {"after an array of an array", R"({"a":[[]],"b":tru})", "Invalid value", "b", 17},
        {"an element after an inner array", R"([1,[2,3],4,x])", "Invalid value", "[3]", 11},
        {"a key with a space", R"({"odd key":{"x":1,"x":2}})", R"(duplicate key "x")", R"(["odd key"].x)", 21},
        {"a key starting with a digit", R"({"1a":{"b":nul}})", "Invalid value", R"(["1a"].b)", 14},
        {"a key with a quote", R"({"q\"":[fals]})", "Invalid value", R"(["q\""][0])", 12},
        {"a bad escape in a key: its object", R"({"a":{"b\q":1}})", "Invalid escape character in string", "a", 8},
        {"between members: the object itself", R"({"a":1,})", "Missing a name for object member", "", 7},
    });
}

TEST_CASE("the path is cut at 160 bytes on a character boundary") {
    // Four levels of a 60-byte key of 'é' (2 bytes each): each level's part of the path is
    // the key's excerpt (40 bytes) quoted in brackets, ["éé…é"...], 47 bytes; byte 160 of
    // the path falls inside an 'é' of the fourth.
    std::string key;
    for (int i = 0; i < 30; ++i) key += "\xC3\xA9";
    const std::string part = "[\"" + key.substr(0, 40) + "\"...]";
    REQUIRE(part.size() == 47);
    const std::string full = part + part + part + part;
    REQUIRE((static_cast<unsigned char>(full[160]) & 0xC0) == 0x80);  // a continuation byte
    const Problem p = refusal(nested(4, "{\"" + key + "\":", "tru", "}"));
    CHECK(p.why == "Invalid value");
    CHECK(p.path == full.substr(0, 159) + "...");
    CHECK(valid_utf8(p.path));
    CHECK(p.describe() == "Invalid value at " + full.substr(0, 159) + "... (byte " + std::to_string(p.offset) + ")");
    // Plain names are cut at 160 bytes exactly.
    const Problem ascii = refusal(nested(40, "{\"abcde\":", "tru", "}"));
    CHECK(ascii.path.size() == 163);
    CHECK(ascii.path.substr(0, 12) == "abcde.abcde.");
}

TEST_CASE("describe: the path when there is one, the byte always") {
    CHECK(refusal(R"({"a":1,"a":2})").describe() == R"(duplicate key "a" at a (byte 10))");
    CHECK(refusal("{}{}").describe() == "more data follows the JSON document at byte 2");
}

// Escapes are held to the same rule as raw text (a hostile review's findings).
namespace {

// True when `s` is UTF-8 that holds no surrogate code point (RFC 3629).
bool valid_utf8_strict(const std::string &s) {
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
        CHECK(valid_utf8_strict(problem->describe()));
    }
}
