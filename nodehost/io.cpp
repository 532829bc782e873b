#include "io.hpp"

#include <wfcommon/json_policy.hpp>

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

namespace nodehost {

std::string inline_or_file(const std::string &arg, const std::string &what) {
    if (arg.empty() || arg[0] != '@') return arg;
    std::ifstream in(arg.substr(1), std::ios::binary);
    if (!in) throw UsageError("cannot read " + what + " file " + arg.substr(1));
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

rapidjson::Document parse_json(const std::string &text, const std::string &what) {
    rapidjson::Document doc;
    if (auto problem = wfcommon::json::parse(text, doc)) throw UsageError(what + " is not valid JSON: " + problem->describe());
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
