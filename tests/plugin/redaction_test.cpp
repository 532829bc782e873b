// The execution context's redaction (plugin/execution_context), white-box: a secret never
// leaves in an error, a log line or an output item, in any of the forms it can take there
// (as it is, JSON-escaped, percent-encoded, spelled with \u escapes by a server).
#include <wfplugin/execution_context.hpp>
#include <wfplugin/node_error.hpp>

#include "escaped_secrets.hpp"
#include <wfplugin/byte_search.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using wfplugin::ExecutionContext;
using wfplugin::NodeError;

namespace {

// A host that keeps everything the plugin sends it.
struct Host {
    std::vector<std::string> items, logs;
    struct Error {
        std::string message, field, api_code;
    };
    std::vector<Error> errors;
    wfnode_host host{};
    Host() {
        host.struct_size = sizeof(host);
        host.host_data = this;
        host.emit_item = [](const wfnode_host *h, uint32_t, const char *json, size_t n) -> wfnode_status {
            self(h).items.emplace_back(json, n);
            return WFNODE_OK;
        };
        host.emit_error = [](const wfnode_host *h, const wfnode_error *e) {
            self(h).errors.push_back({e->message, e->field ? e->field : "", e->api_code ? e->api_code : ""});
        };
        host.log = [](const wfnode_host *h, int32_t, const char *m) { self(h).logs.emplace_back(m); };
    }
    static Host &self(const wfnode_host *h) { return *static_cast<Host *>(h->host_data); }
};

// What the host receives for one item emitted with `secrets` registered.
std::string emitted(const std::vector<std::string> &secrets, const std::string &item) {
    Host h;
    ExecutionContext ctx(h.host, 1);
    for (const auto &s : secrets) ctx.add_secret(s);
    ctx.emit(0, item);
    REQUIRE(h.items.size() == 1);
    return h.items[0];
}

bool may_spell(const std::string &json, bool plain) { return wfplugin::escaped::may_spell_a_secret(json, plain); }

}  // namespace

TEST_CASE("redact: a secret as it is, JSON-escaped and percent-encoded") {
    Host h;
    ExecutionContext ctx(h.host, 1);
    // A key whose three forms all differ: a quote and a backslash (escaped in JSON), '/', '+',
    // a space and '@' (encoded in a URL).
    const std::string key = R"(p@ss "w/rd"+\ 1)";
    ctx.add_secret(key);
    CHECK(ctx.redact("key " + key + " end") == "key [redacted] end");
    CHECK(ctx.redact(R"({"echo":"p@ss \"w/rd\"+\\ 1"})") == R"({"echo":"[redacted]"})");
    CHECK(ctx.redact("GET /x?k=p%40ss%20%22w%2Frd%22%2B%5C%201&y=2") == "GET /x?k=[redacted]&y=2");
    // Every occurrence, side by side included.
    CHECK(ctx.redact(key + key + " " + key) == "[redacted][redacted] [redacted]");
    CHECK(ctx.redact("nothing secret") == "nothing secret");
}

TEST_CASE("redact: no secret, an empty one or the same one twice changes nothing else") {
    Host h;
    ExecutionContext ctx(h.host, 1);
    CHECK(ctx.redact("abc") == "abc");
    ctx.add_secret("");  // an absent token: nothing to find, and no endless search for ""
    CHECK(ctx.redact("abc") == "abc");
    ctx.add_secret("b");
    ctx.add_secret("b");
    CHECK(ctx.redact("abcb") == "a[redacted]c[redacted]");
}

TEST_CASE("redact: longest first, so a secret that holds another is replaced whole") {
    for (bool short_first : {true, false}) {
        CAPTURE(short_first);
        Host h;
        ExecutionContext ctx(h.host, 1);
        const std::string token = "tok-123456789", key = "123";  // the key is inside the token
        if (short_first) ctx.add_secret(key), ctx.add_secret(token);
        else ctx.add_secret(token), ctx.add_secret(key);
        CHECK(ctx.redact("Bearer tok-123456789, key 123") == "Bearer [redacted], key [redacted]");
    }
    // The same for one secret's own forms: "%25" percent-encoded is "%2525", which holds it.
    Host h;
    ExecutionContext ctx(h.host, 1);
    ctx.add_secret("%25");
    CHECK(ctx.redact("q=%2525&r=%25") == "q=[redacted]&r=[redacted]");
}

TEST_CASE("redact: overlapping secrets leave neither whole") {
    Host h;
    ExecutionContext ctx(h.host, 1);
    const std::string a = "abcdef", b = "defghi";  // the end of one is the start of the other
    ctx.add_secret(a);
    ctx.add_secret(b);
    for (const std::string text : {"abcdefghi", "xxabcdefghixx", "defghiabcdef", "abcdefabcdefghi"}) {
        CAPTURE(text);
        const std::string out = ctx.redact(text);
        CHECK(out.find("[redacted]") != std::string::npos);
        CHECK(out.find(a) == std::string::npos);
        CHECK(out.find(b) == std::string::npos);
    }
    // A secret overlapping its own repeat: each whole occurrence found from the left.
    Host h2;
    ExecutionContext ctx2(h2.host, 1);
    ctx2.add_secret("aba");
    CHECK(ctx2.redact("ababa") == "[redacted]ba");
    CHECK(ctx2.redact("abaaba") == "[redacted][redacted]");
}

TEST_CASE("errors and log lines leave redacted: message, field and server code") {
    Host h;
    ExecutionContext ctx(h.host, 1);
    ctx.add_secret("s3cr3t/key");
    ctx.emit_error(NodeError(WFNODE_ERR_API, "HTTP 400: Invalid client credentials: s3cr3t%2Fkey", "apiKey s3cr3t/key", 400,
                             "Bad \"s3cr3t/key\""),
                   0);
    ctx.log(WFNODE_LOG_DEBUG, "Authorization: Bearer s3cr3t/key");
    REQUIRE(h.errors.size() == 1);
    CHECK(h.errors[0].message == "HTTP 400: Invalid client credentials: [redacted]");
    CHECK(h.errors[0].field == "apiKey [redacted]");
    CHECK(h.errors[0].api_code == "Bad \"[redacted]\"");
    REQUIRE(h.logs.size() == 1);
    CHECK(h.logs[0] == "Authorization: Bearer [redacted]");
}

TEST_CASE("items: a secret in the raw text is replaced, an item without one is sent as it was") {
    CHECK(emitted({"demo-secret"}, R"({"echo":"demo-secret","n":1})") == R"({"echo":"[redacted]","n":1})");
    CHECK(emitted({"demo-secret"}, R"({"Message":"caf\u00e9","n":1.50})") == R"({"Message":"caf\u00e9","n":1.50})");
    CHECK(emitted({}, R"({"echo":"demo-secret"})") == R"({"echo":"demo-secret"})");
    // An escaped backslash before a 'u' is no \u escape: the raw search finds the secret.
    CHECK(emitted({"demo-secret"}, R"({"x":"\\u0041 demo-secret"})") == R"({"x":"\\u0041 [redacted]"})");
}

TEST_CASE("items: a secret spelled with \\u escapes or \\/ is found, and the item written again") {
    struct Case {
        std::string what;
        std::string secret, item, sent;
    };
    const std::vector<Case> cases{
        {"one character escaped", "demo-secret", R"({"echo":"demo\u002dsecret","n":1.50})", R"({"echo":"[redacted]","n":1.50})"},
        {"every character escaped, upper case hex", "key",
         R"({"a":"x \u004B\u0045\u0059 \u006b\u0065\u0079 y"})", R"({"a":"x KEY [redacted] y"})"},
        {"in a key", "demo-secret", R"({"demo\u002Dsecret":true,"b":[null,"demo-secret"]})",
         R"({"[redacted]":true,"b":[null,"[redacted]"]})"},
        {"'/' escaped as \\/", "a/b", R"({"url":"https:\/\/h\/a\/b"})", R"({"url":"https://h/[redacted]"})"},
        {"a character outside the BMP as a surrogate pair", "k\xF0\x9F\x98\x80y", R"(["k\ud83d\ude00y"])", R"(["[redacted]"])"},
        {"escaped alongside a raw copy", "demo-secret", R"({"a":"\u0041","b":"demo-secret"})", R"({"a":"\u0041","b":"[redacted]"})"},
        {"escaped ASCII among an OData writer's escapes (the string written again in UTF-8)", "tok3n",
         R"({"FromName":"M\u00fcller","Message":"\u0442 \u0074ok3n \ud83d\ude00 \"x\"\n"})",
         "{\"FromName\":\"M\\u00fcller\",\"Message\":\"\xD1\x82 [redacted] \xF0\x9F\x98\x80 \\\"x\\\"\\n\"}"},
        {"a look-alike is not the secret (Cyrillic \\u0442 is not t)", "tok3n", R"(["\u0442\u006fk3n"])", R"(["\u0442\u006fk3n"])"},
        {"every character \\u-escaped, mixed hex case, beside \\", "tok3n", R"(["\\\u0074\u006F\u006b\u0033\u006E"])",
         R"(["\\[redacted]"])"},
        {"percent-encoded, then \\u-escaped", "a b+c", R"({"url":"https:\/\/h\/?k=a\u002520b\u00252Bc"})",
         R"({"url":"https://h/?k=[redacted]"})"},
        {"JSON-escaped and \\u-escaped at once", "x\"y", R"({"m":"\u0078\"y"})", R"({"m":"[redacted]"})"},
    };
    for (const auto &c : cases) {
        CAPTURE(c.what);
        CHECK(emitted({c.secret}, c.item) == c.sent);
    }
}

TEST_CASE("items: text that is not JSON after all still loses the secret's raw forms") {
    CHECK(emitted({"demo-secret"}, R"(not json \u0041 demo-secret)") == R"(not json \u0041 [redacted])");
    CHECK(emitted({"a b"}, R"({"x":"\u0041 a%20b"})") == R"({"x":"A [redacted]"})");
}

TEST_CASE("items: the escapes of non-ASCII characters cannot spell a plain secret, and such items leave as they came") {
    // What an OData writer sends: every non-ASCII character \u-escaped (lower case hex,
    // astral characters as surrogate pairs), quotes and line breaks as \" and \n. No escape
    // in it spells an ASCII character, so it is searched as it is, and sent byte for byte.
    const std::string item =
        R"({"FromName":"Chlo\u00e9 M\u00fcller","Message":"\u041f\u0440\u0438\u0432\u0435\u0442 \u4f60\u597d )"
        R"(\ud83d\ude00 \"paid\"\nThanks","ChatName":"Chat 1001"})";
    CHECK(may_spell(item, true) == false);
    CHECK(emitted({"demo-secret", "eyJhbGciOi.token"}, item) == item);
    // The same item holding the token raw is sent redacted: the raw search still runs.
    const std::string echoed = item.substr(0, item.size() - 1) + R"(,"Note":"eyJhbGciOi.token"})";
    CHECK(emitted({"demo-secret", "eyJhbGciOi.token"}, echoed) == item.substr(0, item.size() - 1) + R"(,"Note":"[redacted]"})");
    // A secret that is not plain ASCII can be spelled by those escapes: then they are decoded.
    CHECK(may_spell(item, false) == true);
    // A string that held it is written again (raw UTF-8), the others as they were spelled.
    CHECK(emitted({"M\xC3\xBCller"}, item) == "{\"FromName\":\"Chlo\xC3\xA9 [redacted]\"," + item.substr(item.find(R"("Message")")));
    CHECK(emitted({"k\xF0\x9F\x98\x80"}, R"({"a":"\u006b\ud83d\ude00"})") == R"({"a":"[redacted]"})");
}

TEST_CASE("the escape scan: each escape that can spell an ASCII character, found wherever it lies") {
    // Every place in a long string, so each of the 32-byte scan's lanes, its overlapping last
    // block and its tail are tried.
    for (const std::string escape : {"\\u0061", "\\u007E", "\\/", "\\u0000"}) {
        for (size_t place = 0; place < 90; ++place) {
            CAPTURE(escape);
            CAPTURE(place);
            std::string text = "\"" + std::string(place, 'x') + escape + std::string(90 - place, 'y') + "\"";
            CHECK(may_spell(text, true));
            // The same escape after an escaped backslash is no escape: "\\u0061" is '\', "u0061".
            std::string after_backslash = "\"" + std::string(place, 'x') + "\\\\" + escape.substr(1) + "\"";
            CHECK_FALSE(may_spell(after_backslash, true));
            // After two escaped backslashes it is one again.
            std::string after_two = "\"" + std::string(place, 'x') + "\\\\\\\\" + escape + std::string(9, 'z') + "\"";
            CHECK(may_spell(after_two, true));
        }
    }
    for (const std::string harmless : {"\\u0080", "\\u00e9", "\\u00FC", "\\u0430", "\\ud83d\\ude00", "\\\"", "\\\\", "\\n", "\\t"}) {
        CAPTURE(harmless);
        CHECK_FALSE(may_spell("\"abc" + harmless + "defghijklmnop\"", true));
    }
    // For a secret that is not plain, any escape but \" and \\ may spell part of it.
    CHECK(may_spell(R"("a\nb")", false));
    CHECK(may_spell(R"("a\u00e9b")", false));
    CHECK_FALSE(may_spell(R"("a\"b\\c")", false));
}

TEST_CASE("the secret search: each form found wherever it lies, a near miss never") {
    // Needles of up to eight bytes are tested whole in the block; longer ones by three bytes first.
    const std::vector<std::string> forms{"eyJhbGciOi.token", "k", "demo-secret", "\\u0000", "abc", "12345678", "123456789"};
    for (const std::string &form : forms) {
        // Every place in texts of several lengths, so each of the 32-byte scan's lanes, its
        // overlapping last block and its byte loop (texts shorter than a block) are tried.
        for (size_t length : {form.size(), form.size() + 1, size_t{31}, size_t{47}, size_t{80}, size_t{129}}) {
            for (size_t place = 0; place + form.size() <= length; ++place) {
                CAPTURE(form);
                CAPTURE(length);
                CAPTURE(place);
                std::string text(length, 'x');
                text.replace(place, form.size(), form);
                CHECK(wfplugin::contains_any(text, {form}));
                CHECK(wfplugin::contains_any(text, forms));
                if (form.size() < 3) continue;
                // First and last bytes in place, one byte between them changed: not the form.
                for (size_t changed = 1; changed + 1 < form.size(); ++changed) {
                    std::string near = text;
                    near[place + changed] ^= 1;
                    CHECK_FALSE(wfplugin::contains_any(near, {form}));
                }
            }
        }
    }
    // Escaped text passes the first two bytes and the last of \u0000 at every escape ending in 0.
    std::string escaped;
    for (int i = 0; i < 40; ++i) escaped += "M\\u00e0ller \\u0430\\u4e00 ";
    CHECK_FALSE(wfplugin::contains(escaped, "\\u0000"));
    CHECK(wfplugin::contains(escaped + "\\u0000", "\\u0000"));
    CHECK_FALSE(wfplugin::contains_any("", forms));
    CHECK_FALSE(wfplugin::contains_any("demo-secre", {"demo-secret"}));
}
