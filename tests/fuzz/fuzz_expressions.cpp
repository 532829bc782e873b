// libFuzzer target: nodehost's n8n-style expressions. The input is a parameters template
// (JSON), a 0x00 byte, and an item (a JSON object; {} when absent or not an object). Documents
// are read with nodehost's own reader (nodehost::parse_json, the JSON policy: no duplicate
// keys, at most 64 levels), as nodehost reads every template and item.
//
// Invariants (a violation aborts):
//  - check_expressions and evaluate throw nothing but nodehost::ExpressionError;
//  - what check_expressions refuses, evaluate refuses too (it only adds the item);
//  - evaluate's result serialises to valid JSON (valid UTF-8 too, the inputs being so), and
//    a template without {{ }} comes back unchanged;
//  - parse_instant (fed the template bytes) yields an instant that $now formats and
//    parse_instant reads back as the same second.
#include "expressions.hpp"
#include "io.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

namespace {

using rapidjson::Value;

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
constexpr size_t kMaxDepth = 64;
// 2026-03-15T10:30:00Z, so every run evaluates $now and $today alike.
const std::chrono::system_clock::time_point kNow{std::chrono::seconds{1773570600}};

std::string_view g_input;

[[noreturn]] void violated(const char *what, const std::string &detail) {
    std::fprintf(stderr, "fuzz_expressions: invariant violated: %s\n  %s\n  input (%zu bytes): ", what, detail.c_str(),
                 g_input.size());
    for (char c : g_input.substr(0, 2000)) std::fputc(c == 0 ? '|' : c, stderr);  // 0x00 shown as |
    std::fputc('\n', stderr);
    std::abort();
}

#define CHECK(cond, detail)                              \
    do {                                                 \
        if (!(cond)) violated(#cond, std::string(detail)); \
    } while (0)

size_t depth(const Value &root) {
    size_t max = 0;
    std::vector<std::pair<const Value *, size_t>> stack{{&root, 1}};
    while (!stack.empty()) {
        auto [v, d] = stack.back();
        stack.pop_back();
        if (d > max) max = d;
        if (v->IsObject())
            for (const auto &m : v->GetObject()) stack.emplace_back(&m.value, d + 1);
        else if (v->IsArray())
            for (const auto &e : v->GetArray()) stack.emplace_back(&e, d + 1);
    }
    return max;
}

// Serialises `v`; false when the writer refuses it (a number RapidJSON's reader let become
// infinite).
bool write(const Value &v, std::string &out) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    if (!v.Accept(w)) return false;
    out.assign(b.GetString(), b.GetSize());
    return true;
}

// Parses under the target's own policy; false for invalid or too deep documents, and for
// those RapidJSON reads but cannot write back as valid JSON (infinite numbers, lone
// surrogates written as \uDC00): what the evaluator makes of those says nothing about it.
bool parse(std::string_view text, rapidjson::Document &doc) {
    try {
        doc = nodehost::parse_json(std::string(text), "fuzz input");
    } catch (const nodehost::UsageError &) {
        return false;
    }
    if (depth(doc) > kMaxDepth) return false;
    std::string again;
    if (!write(doc, again)) return false;
    rapidjson::Document check;
    check.Parse<kParseFlags>(again.data(), again.size());
    return !check.HasParseError();
}


template <typename F> bool expression_error(F &&f, const char *what) {
    try {
        f();
        return false;
    } catch (const nodehost::ExpressionError &) {
        return true;
    } catch (const std::exception &e) {
        violated(what, std::string("threw ") + typeid(e).name() + ": " + e.what());
    }
}

void check_instant(std::string_view text) {
    std::optional<std::chrono::system_clock::time_point> t;
    if (expression_error([&] { t = nodehost::parse_instant(text); }, "parse_instant")) violated("parse_instant", "threw ExpressionError");
    if (!t) return;
    using namespace std::chrono;
    const auto day = floor<days>(*t);
    const int year = static_cast<int>(year_month_day{day}.year());
    if (year < 1 || year > 9999) return;  // beyond what the formats write with 4 digits
    rapidjson::Document tmpl;
    tmpl.SetString("{{ $now }}");
    rapidjson::Document item(rapidjson::kObjectType);
    nodehost::ExpressionContext ctx{&item, *t};
    rapidjson::Document out;
    if (expression_error([&] { out = nodehost::evaluate(tmpl, ctx, "now"); }, "evaluate $now"))
        violated("evaluate $now", "refused a parsed instant");
    CHECK(out.IsString(), "$now is not a string");
    const std::string formatted(out.GetString(), out.GetStringLength());
    auto back = nodehost::parse_instant(formatted);
    CHECK(back.has_value(), "parse_instant refuses what $now wrote: " + formatted);
    CHECK(*back == floor<seconds>(*t), "$now and parse_instant disagree about " + formatted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view input(reinterpret_cast<const char *>(data), size);
    g_input = input;
    const size_t nul = input.find('\0');
    const std::string_view template_text = input.substr(0, nul);
    const std::string_view item_text = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

    if (template_text.size() <= 64) check_instant(template_text);

    rapidjson::Document tmpl;
    if (!parse(template_text, tmpl)) return 0;
    rapidjson::Document item;
    if (item_text.empty() || !parse(item_text, item) || !item.IsObject()) item.SetObject();

    const bool refused_syntax =
        expression_error([&] { nodehost::check_expressions(tmpl, "parameters"); }, "check_expressions");
    const nodehost::ExpressionContext ctx{&item, kNow};
    rapidjson::Document out;
    const bool refused = expression_error([&] { out = nodehost::evaluate(tmpl, ctx, "parameters"); }, "evaluate");
    if (refused_syntax) CHECK(refused, "evaluate accepted what check_expressions refused");
    if (refused) return 0;

    std::string text;
    CHECK(write(out, text), "the writer refused the result");
    rapidjson::Document again;
    again.Parse<kParseFlags>(text.data(), text.size());
    CHECK(!again.HasParseError(), "the result does not serialise to valid JSON: " + text);
    if (!nodehost::has_expressions(tmpl)) CHECK(out == tmpl, "a template without expressions changed: " + text);
    return 0;
}
