// nodehost's terminal-safe text: what is escaped, what is left alone, and that JSON text
// keeps its meaning.
#include "io.hpp"
#include "visible_text.hpp"

#include <doctest/doctest.h>

using nodehost::Backslashes;
using nodehost::visible_text;

TEST_CASE("visible text: controls become \\u escapes, printable text stays as it is") {
    struct Case {
        std::string in, out;
    };
    const Case cases[] = {
        {"Europe/Berlin", "Europe/Berlin"},
        {"(UTC+01:00) Zürich, 東京", "(UTC+01:00) Zürich, 東京"},  // non-ASCII letters are not controls
        {"\x1b[2Jx", "\\u001b[2Jx"},
        {std::string("a\0b", 3), "a\\u0000b"},
        {"line\nnext\ttab\r", "line\\u000anext\\u0009tab\\u000d"},
        {"del\x7f", "del\\u007f"},
        {"c1\xc2\x80\xc2\x9b\xc2\x9f", "c1\\u0080\\u009b\\u009f"},
        {"\xc2\xa0nbsp", "\xc2\xa0nbsp"},  // U+00A0, just past C1, is printable
        {"sep\xe2\x80\xa8\xe2\x80\xa9", "sep\\u2028\\u2029"},
        {"bidi\xe2\x80\xae\xe2\x81\xa6\xe2\x80\x8f\xd8\x9c", "bidi\\u202e\\u2066\\u200f\\u061c"},
        {"back\\slash", "back\\\\slash"},
        {"bad\xff\xc0\xaf\xed\xa0\x80", "bad\\xff\\xc0\\xaf\\xed\\xa0\\x80"},  // not UTF-8: overlong, a surrogate
        {"cut\xe2\x82", "cut\\xe2\\x82"},
    };
    for (const auto &c : cases) {
        INFO(c.out);
        CHECK(visible_text(c.in) == c.out);
    }
}

TEST_CASE("visible text of JSON keeps its backslashes and its meaning") {
    const std::string json = nodehost::to_json(nodehost::parse_json(
        "{\"name\":\"a\\\\b \\u001b[31m \\u009b \\u2028 \\u202e\",\"value\":\"Etc/UTC\"}", "test"));
    const std::string shown = visible_text(json, Backslashes::keep);
    CHECK(shown == R"({"name":"a\\b \u001B[31m \u009b \u2028 \u202e","value":"Etc/UTC"})");
    CHECK(nodehost::parse_json(shown, "test") == nodehost::parse_json(json, "test"));
}
