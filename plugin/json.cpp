#include "wfplugin/json.hpp"

#include "wfplugin/node_error.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cstring>
#include <unordered_set>
#include <vector>

namespace wfplugin::json {
namespace {

// Builds the Document through RapidJSON's handler interface and refuses, as it reads,
// what the policy forbids. Iterative parsing plus the depth bound keep the stack flat for
// any input; the per-object key sets make duplicate detection linear.
class StrictHandler {
public:
    explicit StrictHandler(rapidjson::Document &doc) : doc_(doc) {}

    std::string problem;  // set when the handler stopped the parse

    bool Null() { return doc_.Null(); }
    bool Bool(bool b) { return doc_.Bool(b); }
    bool Int(int i) { return doc_.Int(i); }
    bool Uint(unsigned u) { return doc_.Uint(u); }
    bool Int64(int64_t i) { return doc_.Int64(i); }
    bool Uint64(uint64_t u) { return doc_.Uint64(u); }
    bool Double(double d) { return doc_.Double(d); }
    bool RawNumber(const char *s, rapidjson::SizeType n, bool copy) { return doc_.RawNumber(s, n, copy); }
    bool String(const char *s, rapidjson::SizeType n, bool copy) {
        return no_nul(s, n, "a string") && doc_.String(s, n, copy);
    }
    bool Key(const char *s, rapidjson::SizeType n, bool copy) {
        if (!no_nul(s, n, "a key")) return false;
        if (!keys_.back().emplace(s, n).second) {
            problem = fmt::format("duplicate key {}", excerpt({s, n}));
            return false;
        }
        return doc_.Key(s, n, copy);
    }
    bool StartObject() {
        if (!deeper()) return false;
        keys_.emplace_back();
        return doc_.StartObject();
    }
    bool EndObject(rapidjson::SizeType n) {
        keys_.pop_back();
        --depth_;
        return doc_.EndObject(n);
    }
    bool StartArray() { return deeper() && doc_.StartArray(); }
    bool EndArray(rapidjson::SizeType n) {
        --depth_;
        return doc_.EndArray(n);
    }

private:
    bool deeper() {
        if (++depth_ <= max_depth) return true;
        problem = fmt::format("nested deeper than {} levels", max_depth);
        return false;
    }
    bool no_nul(const char *s, rapidjson::SizeType n, const char *what) {
        if (!std::memchr(s, '\0', n)) return true;
        problem = fmt::format("{} holds a NUL character (\\u0000)", what);
        return false;
    }

    rapidjson::Document &doc_;
    std::vector<std::unordered_set<std::string>> keys_;
    size_t depth_ = 0;
};

}  // namespace

rapidjson::Document parse(std::string_view text, const std::string &what) {
    const std::string name = what.empty() ? "input" : what;
    if (text.size() > max_bytes)
        throw invalid(what, fmt::format("{} is {} bytes of JSON; at most {} are accepted", name, text.size(), max_bytes));
    rapidjson::Document doc;
    StrictHandler handler(doc);
    rapidjson::ParseResult result;
    auto generate = [&](rapidjson::Document &) {
        rapidjson::MemoryStream in(text.data(), text.size());
        rapidjson::Reader reader;
        // Not kParseFullPrecisionFlag: RapidJSON 1.1.0's full-precision path reads
        // "0.000000000000000000000000" as -2.19e-193 (found by fuzzing; SECURITY.md).
        result = reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(in, handler);
        // RapidJSON takes a NUL byte for the end of the text: whatever follows one after the
        // document is more data too, so the whole text must have been read.
        if (!result.IsError() && in.Tell() != text.size())
            result.Set(rapidjson::kParseErrorDocumentRootNotSingular, in.Tell());
        return !result.IsError();
    };
    doc.Populate(generate);
    if (result.IsError()) {
        std::string why = !handler.problem.empty() ? handler.problem
                          : result.Code() == rapidjson::kParseErrorDocumentRootNotSingular
                              ? std::string("more data follows the JSON document")
                              : std::string(rapidjson::GetParseError_En(result.Code()));
        throw invalid(what, fmt::format("{} is not valid JSON: {} at offset {}", name, why, result.Offset()));
    }
    return doc;
}

std::string stringify(const rapidjson::Value &value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
    return {buffer.GetString(), buffer.GetSize()};
}

std::string quote(std::string_view s) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
    return {buffer.GetString(), buffer.GetSize()};
}

std::string excerpt(std::string_view s, std::size_t max_chars) {
    if (s.size() <= max_chars) return quote(s);
    size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not mid-character
    return quote(s.substr(0, cut)) + "...";
}

const rapidjson::Value *find(const rapidjson::Value &object, const char *name) {
    if (!object.IsObject()) return nullptr;
    auto it = object.FindMember(name);
    return it == object.MemberEnd() ? nullptr : &it->value;
}

const char *type_name(const rapidjson::Value &value) {
    if (value.IsNull()) return "null";
    if (value.IsBool()) return "boolean";
    if (value.IsObject()) return "object";
    if (value.IsArray()) return "array";
    if (value.IsString()) return "string";
    if (value.IsInt64() || value.IsUint64()) return "integer";
    if (value.IsNumber()) return "number";
    return "unknown";
}

}  // namespace wfplugin::json
