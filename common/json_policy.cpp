#include "wfcommon/json_policy.hpp"

#include "wfcommon/utf8.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstring>
#include <unordered_set>
#include <vector>

namespace wfcommon::json {
namespace {

bool plain_name(std::string_view k) {
    if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
    for (char c : k)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$'))
            return false;
    return true;
}

// Builds the Document through RapidJSON's handler interface, refusing as it reads what the
// policy forbids, and keeps the path of the value being read for the error message.
class StrictHandler {
public:
    explicit StrictHandler(rapidjson::Document &doc) : doc_(doc) {}

    std::string problem;  // set when the handler stopped the parse

    bool Null() { return scalar() && doc_.Null(); }
    bool Bool(bool b) { return scalar() && doc_.Bool(b); }
    bool Int(int i) { return scalar() && doc_.Int(i); }
    bool Uint(unsigned u) { return scalar() && doc_.Uint(u); }
    bool Int64(int64_t i) { return scalar() && doc_.Int64(i); }
    bool Uint64(uint64_t u) { return scalar() && doc_.Uint64(u); }
    bool Double(double d) { return scalar() && doc_.Double(d); }
    bool RawNumber(const char *s, rapidjson::SizeType n, bool copy) { return scalar() && doc_.RawNumber(s, n, copy); }
    bool String(const char *s, rapidjson::SizeType n, bool copy) {
        begin_value();
        if (!plain_text(s, n, "a string")) return false;
        end_value();
        return doc_.String(s, n, copy);
    }
    bool Key(const char *s, rapidjson::SizeType n, bool copy) {
        // A refused key is not named in the path: it may not be text (a lone surrogate).
        if (!plain_text(s, n, "a key")) return false;
        Frame &f = frames_.back();
        f.key.assign(s, n);
        f.has_key = true;
        if (!f.keys.emplace(s, n).second) {
            problem = fmt::format("duplicate key {}", excerpt({s, n}));
            return false;
        }
        return doc_.Key(s, n, copy);
    }
    bool StartObject() { return start(true) && doc_.StartObject(); }
    bool EndObject(rapidjson::SizeType n) { return end() && doc_.EndObject(n); }
    bool StartArray() { return start(false) && doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType n) { return end() && doc_.EndArray(n); }

    // The path of the value being read when the parse stopped, cut (on a character boundary)
    // to max_path bytes with "..." after: 64 levels of long keys would repeat a hostile input.
    static constexpr std::size_t max_path = 160;
    std::string path() const { return utf8::cut(full_path(), max_path); }

private:
    std::string full_path() const {
        std::string out;
        for (const Frame &f : frames_) {
            if (f.object) {
                if (!f.has_key) break;  // between members: the object itself
                out += plain_name(f.key) ? (out.empty() ? "" : ".") + f.key : "[" + excerpt(f.key) + "]";
            } else {
                out += fmt::format("[{}]", f.in_element ? f.next_index - 1 : f.next_index);
            }
        }
        return out;
    }

    struct Frame {
        bool object;
        std::unordered_set<std::string> keys;  // objects: names seen, for duplicates
        std::string key;                       // objects: the member being read
        bool has_key = false;
        std::size_t next_index = 0;            // arrays: elements begun
        bool in_element = false;
    };

    // A value begins in the innermost container (an array counts its elements), and ends.
    void begin_value() {
        if (frames_.empty() || frames_.back().object) return;
        ++frames_.back().next_index;
        frames_.back().in_element = true;
    }
    void end_value() {
        if (frames_.empty()) return;
        frames_.back().has_key = false;
        frames_.back().in_element = false;
    }
    bool scalar() {
        begin_value();
        end_value();
        return true;
    }
    bool start(bool object) {
        begin_value();
        if (frames_.size() + 1 > max_depth) {
            problem = fmt::format("nested deeper than {} levels", max_depth);
            return false;
        }
        frames_.push_back(Frame{object, {}, {}, false, 0, false});
        return true;
    }
    bool end() {
        frames_.pop_back();
        end_value();
        return true;
    }
    // What an escape can make that the raw text cannot hold (the reader checks raw bytes as
    // UTF-8): a NUL, and a lone UTF-16 surrogate (a low one alone, written "\udc00"), which
    // RapidJSON 1.1 stores as the bytes ED B0 80, not UTF-8. A pair becomes one 4-byte
    // character, so ED followed by A0-BF is always a lone surrogate.
    bool plain_text(const char *s, rapidjson::SizeType n, const char *what) {
        if (std::memchr(s, '\0', n)) {
            problem = fmt::format("{} holds a NUL character (\\u0000)", what);
            return false;
        }
        for (rapidjson::SizeType i = 0; i + 1 < n; ++i)
            if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
                problem = fmt::format("{} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape that is not "
                                      "one of a pair), which is not a character", what);
                return false;
            }
        return true;
    }

    rapidjson::Document &doc_;
    std::vector<Frame> frames_;
};

}  // namespace

std::string Problem::describe() const {
    return path.empty() ? fmt::format("{} at byte {}", why, offset) : fmt::format("{} at {} (byte {})", why, path, offset);
}

std::optional<Problem> parse(std::string_view text, rapidjson::Document &doc) {
    if (text.size() > max_bytes)
        return Problem{fmt::format("{} bytes of text; at most {} are accepted", text.size(), max_bytes), "", 0};
    // RapidJSON takes a NUL byte for the end of its input, so one would hide what follows it.
    if (const void *nul = std::memchr(text.data(), '\0', text.size()))
        return Problem{"a raw NUL byte (JSON text cannot hold one)", "",
                       static_cast<std::size_t>(static_cast<const char *>(nul) - text.data())};
    StrictHandler handler(doc);
    rapidjson::ParseResult result;
    auto generate = [&](rapidjson::Document &) {
        rapidjson::MemoryStream in(text.data(), text.size());
        rapidjson::Reader reader;
        // Not kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path reads
        // "0.000000000000000000000000" as -2.19e-193 (found by fuzzing; SECURITY.md).
        result = reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(in, handler);
        if (!result.IsError() && in.Tell() != text.size())
            result.Set(rapidjson::kParseErrorDocumentRootNotSingular, in.Tell());
        return !result.IsError();
    };
    doc.Populate(generate);
    if (!result.IsError()) return std::nullopt;
    if (result.Code() == rapidjson::kParseErrorDocumentRootNotSingular)
        return Problem{"more data follows the JSON document", "", result.Offset()};
    std::string why = handler.problem;
    if (why.empty()) {
        why = rapidjson::GetParseError_En(result.Code());
        if (!why.empty() && why.back() == '.') why.pop_back();  // RapidJSON's messages end in a full stop
    }
    return Problem{why, handler.path(), result.Offset()};
}

std::string quote(std::string_view s) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {buffer.GetString(), buffer.GetSize()};
}

std::string excerpt(std::string_view s, std::size_t max_chars) {
    std::string shown = utf8::cut(s, max_chars);
    if (shown.size() == s.size()) return quote(s);
    return quote(std::string_view(shown).substr(0, shown.size() - 3)) + "...";
}

}  // namespace wfcommon::json
