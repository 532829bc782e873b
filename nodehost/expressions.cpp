#include "expressions.hpp"

#include <wfcommon/iso8601.hpp>

#include <date/date.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <vector>

namespace nodehost {
namespace {

using rapidjson::Value;

// A tiny recursive-descent parser over one expression's text.
class Parser {
public:
    Parser(std::string_view text, const ExpressionContext *ctx, rapidjson::Document::AllocatorType &alloc)
        : s_(text), ctx_(ctx), alloc_(alloc) {}

    // Parses the whole expression; with no context, only checks syntax.
    Value run() {
        skip_ws();
        Value v;
        if (eat("$json")) v = json_path();
        else if (eat("$now")) v = date_chain(ctx_ ? ctx_->now : std::chrono::system_clock::time_point{});
        else if (eat("$today")) v = date_chain(std::chrono::floor<date::days>(ctx_ ? ctx_->now : std::chrono::system_clock::time_point{}));
        else fail("expected $json, $now or $today");
        skip_ws();
        if (pos_ != s_.size()) fail("unexpected text");
        return v;
    }

private:
    [[noreturn]] void fail(const std::string &why) const {
        std::string_view shown = s_.substr(0, 80);
        throw ExpressionError(why + " at position " + std::to_string(pos_) + " of \"" + std::string(shown) +
                              (shown.size() < s_.size() ? "...\"" : "\""));
    }
    void skip_ws() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    }
    bool eat(std::string_view token) {
        skip_ws();
        if (s_.substr(pos_, token.size()) != token) return false;
        pos_ += token.size();
        return true;
    }
    std::string identifier() {
        size_t start = pos_;
        while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' || s_[pos_] == '@'))
            ++pos_;
        if (start == pos_) fail("expected a field name");
        return std::string(s_.substr(start, pos_ - start));
    }
    std::string quoted() {
        skip_ws();
        if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("expected a quoted string");
        char q = s_[pos_++];
        std::string out;
        while (pos_ < s_.size() && s_[pos_] != q) out += s_[pos_++];
        if (pos_ >= s_.size()) fail("unterminated string");
        ++pos_;
        return out;
    }
    long long integer() {
        skip_ws();
        long long n = 0;
        auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), n);
        if (ec == std::errc::result_out_of_range) fail("number out of range");
        if (ec != std::errc()) fail("expected a whole number");
        pos_ = static_cast<size_t>(end - s_.data());
        return n;
    }

    Value json_path() {
        const Value *cur = ctx_ ? ctx_->json : nullptr;
        std::string path = "$json";
        for (;;) {
            skip_ws();
            if (eat(".")) {
                std::string name = identifier();
                path += "." + name;
                cur = member(cur, name, path);
            } else if (eat("[")) {
                skip_ws();
                if (pos_ < s_.size() && (s_[pos_] == '\'' || s_[pos_] == '"')) {
                    std::string name = quoted();
                    path += "[\"" + name + "\"]";
                    cur = member(cur, name, path);
                } else {
                    long long index = integer();
                    path += "[" + std::to_string(index) + "]";
                    if (ctx_) {
                        if (!cur->IsArray() || index < 0 || static_cast<size_t>(index) >= cur->Size())
                            throw ExpressionError(path + " is not set in this item");
                        cur = &(*cur)[static_cast<rapidjson::SizeType>(index)];
                    }
                }
                if (!eat("]")) fail("expected ]");
            } else {
                break;
            }
        }
        return ctx_ ? Value(*cur, alloc_) : Value();
    }
    const Value *member(const Value *cur, const std::string &name, const std::string &path) {
        if (!ctx_) return nullptr;
        if (!cur || !cur->IsObject() || !cur->HasMember(name.c_str()))
            throw ExpressionError(path + " is not set in this item");
        return &(*cur)[name.c_str()];
    }

    // Dates are whole seconds from here on, and every step is checked: a result outside the
    // years 0001-9999 is an error, never a wrapped-around date.
    Value date_chain(std::chrono::system_clock::time_point now) {
        using namespace date::literals;
        static const date::sys_seconds first = date::sys_days{0001_y / 1 / 1};
        static const date::sys_seconds after_last = date::sys_days{10000_y / 1 / 1};
        date::sys_seconds t = std::chrono::floor<std::chrono::seconds>(now);
        for (;;) {
            bool minus = eat(".minus(");
            if (minus || eat(".plus(")) {
                long long n = integer();
                if (!eat(",")) fail("expected ,");
                std::string unit = quoted();
                if (!eat(")")) fail("expected )");
                long long step = 0, total = 0;
                if (__builtin_mul_overflow(n, unit_seconds(unit), &step) ||
                    __builtin_add_overflow(t.time_since_epoch().count(), minus ? -step : step, &total) ||
                    step == std::numeric_limits<long long>::min())
                    fail("date arithmetic out of range");
                t = date::sys_seconds{std::chrono::seconds{total}};
                if (t < first || t >= after_last) fail("the date falls outside the years 0001-9999");
            } else if (eat(".startOf(")) {
                std::string unit = quoted();
                if (unit != "day") fail("startOf supports only 'day'");
                if (!eat(")")) fail("expected )");
                t = std::chrono::floor<date::days>(t);
            } else if (eat(".format(")) {
                std::string text = format_date(t, quoted());
                if (!eat(")")) fail("expected )");
                return Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc_);
            } else {
                break;
            }
        }
        std::string text = wfcommon::iso8601::format(std::chrono::time_point_cast<std::chrono::microseconds>(t));
        return Value(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc_);
    }
    // Luxon's tokens that a file name needs, in UTC: yyyy MM dd HH mm ss; text in single
    // quotes is copied as it is; other letters are refused (they would be a silent typo).
    std::string format_date(date::sys_seconds t, const std::string &pattern) const {
        const auto day = std::chrono::floor<date::days>(t);
        const date::year_month_day ymd{day};
        const date::hh_mm_ss<std::chrono::seconds> hms{t - day};
        auto two = [](long v) { return (v < 10 ? "0" : "") + std::to_string(v); };
        std::string out;
        for (size_t i = 0; i < pattern.size();) {
            const char c = pattern[i];
            if (c == '\'') {
                const size_t close = pattern.find('\'', i + 1);
                if (close == std::string::npos) fail("unterminated quote in the date format");
                out += pattern.substr(i + 1, close - i - 1);
                i = close + 1;
                continue;
            }
            if (!std::isalpha(static_cast<unsigned char>(c))) {
                out += c;
                ++i;
                continue;
            }
            size_t n = 1;
            while (i + n < pattern.size() && pattern[i + n] == c) ++n;
            const std::string token = pattern.substr(i, n);
            i += n;
            if (token == "yyyy") out += std::to_string(static_cast<int>(ymd.year()) + 10000).substr(1);  // 0001-9999
            else if (token == "MM") out += two(static_cast<long>(static_cast<unsigned>(ymd.month())));
            else if (token == "dd") out += two(static_cast<long>(static_cast<unsigned>(ymd.day())));
            else if (token == "HH") out += two(hms.hours().count());
            else if (token == "mm") out += two(hms.minutes().count());
            else if (token == "ss") out += two(static_cast<long>(hms.seconds().count()));
            else fail("unknown date token '" + token.substr(0, 20) + "' in format (yyyy, MM, dd, HH, mm, ss; 'text' for letters)");
        }
        return out;
    }
    long long unit_seconds(std::string unit) const {
        if (!unit.empty() && unit.back() == 's') unit.pop_back();
        if (unit == "second") return 1;
        if (unit == "minute") return 60;
        if (unit == "hour") return 3600;
        if (unit == "day") return 86400;
        if (unit == "week") return 7 * 86400;
        fail("unknown unit '" + unit.substr(0, 20) + "' (seconds, minutes, hours, days, weeks)");
    }

    std::string_view s_;
    const ExpressionContext *ctx_;
    rapidjson::Document::AllocatorType &alloc_;
    size_t pos_ = 0;
};

struct Piece {
    bool expression;
    std::string_view text;
};

std::vector<Piece> split(std::string_view s) {
    std::vector<Piece> out;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t open = s.find("{{", pos);
        if (open == std::string_view::npos) break;
        size_t close = s.find("}}", open + 2);
        if (close == std::string_view::npos) throw ExpressionError("unterminated {{ in \"" + std::string(s) + "\"");
        if (open > pos) out.push_back({false, s.substr(pos, open - pos)});
        out.push_back({true, s.substr(open + 2, close - open - 2)});
        pos = close + 2;
    }
    if (pos < s.size()) out.push_back({false, s.substr(pos)});
    return out;
}

std::string as_text(const Value &v) {
    if (v.IsString()) return {v.GetString(), v.GetStringLength()};
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    v.Accept(w);
    return b.GetString();
}

void walk(const Value &in, Value &out, const ExpressionContext *ctx, rapidjson::Document::AllocatorType &alloc,
          const std::string &path) {
    try {
        if (in.IsString() && std::string_view(in.GetString(), in.GetStringLength()).find("{{") != std::string_view::npos) {
            auto pieces = split({in.GetString(), in.GetStringLength()});
            if (pieces.size() == 1 && pieces[0].expression) {
                out = Parser(pieces[0].text, ctx, alloc).run();
                return;
            }
            std::string text;
            for (const auto &p : pieces) text += p.expression ? as_text(Parser(p.text, ctx, alloc).run()) : std::string(p.text);
            out.SetString(text.c_str(), static_cast<rapidjson::SizeType>(text.size()), alloc);
            return;
        }
    } catch (const ExpressionError &e) {
        throw ExpressionError(path + ": " + e.what());
    }
    if (in.IsObject()) {
        out.SetObject();
        for (const auto &m : in.GetObject()) {
            Value child;
            walk(m.value, child, ctx, alloc, path + "." + m.name.GetString());
            out.AddMember(Value(m.name, alloc), child, alloc);
        }
    } else if (in.IsArray()) {
        out.SetArray();
        for (rapidjson::SizeType i = 0; i < in.Size(); ++i) {
            Value child;
            walk(in[i], child, ctx, alloc, path + "[" + std::to_string(i) + "]");
            out.PushBack(child, alloc);
        }
    } else {
        out.CopyFrom(in, alloc);
    }
}

}  // namespace

bool has_expressions(const Value &value) {
    if (value.IsString()) return std::string_view(value.GetString(), value.GetStringLength()).find("{{") != std::string_view::npos;
    if (value.IsObject())
        for (const auto &m : value.GetObject())
            if (has_expressions(m.value)) return true;
    if (value.IsArray())
        for (const auto &v : value.GetArray())
            if (has_expressions(v)) return true;
    return false;
}

bool is_one_expression(std::string_view text) {
    try {
        auto pieces = split(text);
        return pieces.size() == 1 && pieces[0].expression;
    } catch (const ExpressionError &) {
        return false;  // unterminated: reported when it is evaluated
    }
}

void check_expressions(const Value &value, const std::string &path) {
    rapidjson::Document scratch;
    Value out;
    walk(value, out, nullptr, scratch.GetAllocator(), path);
}

rapidjson::Document evaluate(const Value &value, const ExpressionContext &ctx, const std::string &path) {
    rapidjson::Document out;
    walk(value, out, &ctx, out.GetAllocator(), path);
    return out;
}

std::optional<std::chrono::system_clock::time_point> parse_instant(std::string_view text) {
    auto t = wfcommon::iso8601::parse(text);  // the plugin's own reading of an instant
    if (!t) return std::nullopt;
    // The system clock counts nanoseconds: it holds the years 1678 to 2262 only (found by fuzzing).
    using Clock = std::chrono::system_clock;
    if (*t < std::chrono::ceil<std::chrono::microseconds>(Clock::time_point::min()) ||
        *t > std::chrono::floor<std::chrono::microseconds>(Clock::time_point::max()))
        return std::nullopt;
    return std::chrono::time_point_cast<Clock::duration>(*t);
}

}  // namespace nodehost
