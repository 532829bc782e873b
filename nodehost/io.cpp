#include "io.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <unordered_set>

namespace nodehost {

std::string inline_or_file(const std::string &arg, const std::string &what) {
    if (arg.empty() || arg[0] != '@') return arg;
    std::ifstream in(arg.substr(1), std::ios::binary);
    if (!in) throw UsageError("cannot read " + what + " file " + arg.substr(1));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

namespace {

// The deepest nesting of `text`, counted over brackets outside strings before anything is
// parsed, so neither the parser nor a walk over its result can run out of stack.
size_t nesting(std::string_view text) {
    size_t depth = 0, deepest = 0;
    bool in_string = false, escaped = false;
    for (char c : text) {
        if (in_string) {
            if (escaped) escaped = false;
            else if (c == '\\') escaped = true;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == '}' || c == ']') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

// A duplicate key or a NUL inside a string, anywhere in `v`: the reading policy's refusals
// that the parser itself lets through.
void refuse_ambiguity(const rapidjson::Value &v, const std::string &what) {
    auto has_nul = [](const rapidjson::Value &s) { return std::strlen(s.GetString()) != s.GetStringLength(); };
    if (v.IsString() && has_nul(v)) throw UsageError(what + " is not valid JSON: a string holds a NUL character (\\u0000)");
    if (v.IsArray())
        for (const auto &x : v.GetArray()) refuse_ambiguity(x, what);
    if (!v.IsObject()) return;
    std::unordered_set<std::string_view> names;
    for (const auto &m : v.GetObject()) {
        std::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (has_nul(m.name)) throw UsageError(what + " is not valid JSON: a key holds a NUL character (\\u0000)");
        if (!names.insert(name).second)
            throw UsageError(what + " is not valid JSON: duplicate key \"" + std::string(name.substr(0, 40)) +
                             (name.size() > 40 ? "...\"" : "\""));
        refuse_ambiguity(m.value, what);
    }
}

}  // namespace

rapidjson::Document parse_json(const std::string &text, const std::string &what) {
    if (text.size() > max_json_bytes)
        throw UsageError(what + " is " + std::to_string(text.size()) + " bytes of JSON; at most " +
                         std::to_string(max_json_bytes) + " are accepted");
    if (nesting(text) > max_json_depth)
        throw UsageError(what + " is not valid JSON: nested deeper than " + std::to_string(max_json_depth) + " levels");
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.c_str(), text.size());  // as the plugin reads it
    if (doc.HasParseError())
        throw UsageError(what + " is not valid JSON: " +
                         (doc.GetParseError() == rapidjson::kParseErrorDocumentRootNotSingular
                              ? std::string("more data follows the JSON document")
                              : std::string(rapidjson::GetParseError_En(doc.GetParseError()))) +
                         " at offset " + std::to_string(doc.GetErrorOffset()));
    refuse_ambiguity(doc, what);
    return doc;
}

void read_json_lines(const std::string &path, const std::function<void(std::string &&line)> &on_item) {
    const std::string name = path == "-" ? std::string("stdin") : path;
    std::ifstream file;
    if (path != "-") {
        // A folder opens like a file and then reads as empty: that would be a silent gap.
        if (std::error_code ec; std::filesystem::is_directory(path, ec)) throw UsageError("cannot read input file " + path + ": it is a directory");
        file.open(path, std::ios::binary);
        if (!file) throw UsageError("cannot read input file " + path + ": " + std::strerror(errno));
    }
    std::istream &in = path == "-" ? std::cin : file;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = name + " line " + std::to_string(number);
        if (!parse_json(line, where).IsObject()) throw UsageError(where + ": not a JSON object");
        on_item(std::move(line));
    }
    // getline stops at the end or at a read error; only the end is fine.
    if (in.bad() || !in.eof()) throw UsageError("reading " + name + " failed after line " + std::to_string(number));
}

std::string to_json(const rapidjson::Value &value, bool pretty) {
    rapidjson::StringBuffer b;
    if (pretty) {
        rapidjson::PrettyWriter<rapidjson::StringBuffer> w(b);
        w.SetIndent(' ', 2);
        value.Accept(w);
    } else {
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        value.Accept(w);
    }
    return {b.GetString(), b.GetSize()};
}

void LineSplitter::feed(std::string_view chunk, const OnLine &on_line) {
    while (!chunk.empty()) {
        const size_t newline = chunk.find('\n');
        const std::string_view piece = chunk.substr(0, newline);
        chunk = newline == std::string_view::npos ? std::string_view() : chunk.substr(newline + 1);
        if (!skipping_) {
            const size_t room = limit_ - line_.size();
            const size_t take = std::min(piece.size(), room);
            // Short lines grow as strings do. A long one gets the limit's room at once: its pages
            // become resident only as they are written, and no doubling copy (which libstdc++
            // rounds up to twice the old size) ever holds the line twice.
            if (const size_t need = line_.size() + take; line_.capacity() < need)
                line_.reserve(need > (1u << 20) ? limit_ : need);
            line_.append(piece.substr(0, take));
            if (piece.size() > room) {
                skipping_ = true;
                on_line(line_, false);
                std::string().swap(line_);  // its memory is given back, not kept for the next line
            }
        }
        if (newline == std::string_view::npos) return;
        if (!skipping_) on_line(line_, true);
        skipping_ = false;
        line_.clear();
        if (line_.capacity() > (1u << 20)) std::string().swap(line_);
    }
}

void LineSplitter::finish(const OnLine &on_line) {
    if (!skipping_ && !line_.empty()) on_line(line_, true);
    skipping_ = false;
    std::string().swap(line_);
}

}  // namespace nodehost
