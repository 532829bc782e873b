#include "io.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <iostream>
#include <sstream>

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
    doc.Parse(text.c_str(), text.size());
    if (doc.HasParseError())
        throw UsageError(what + " is not valid JSON: " + rapidjson::GetParseError_En(doc.GetParseError()) +
                         " at offset " + std::to_string(doc.GetErrorOffset()));
    return doc;
}

void read_json_lines(const std::string &path, const std::function<void(std::string &&line)> &on_item) {
    std::ifstream file;
    if (path != "-") {
        file.open(path, std::ios::binary);
        if (!file) throw UsageError("cannot read input file " + path);
    }
    std::istream &in = path == "-" ? std::cin : file;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        rapidjson::Document doc;
        doc.Parse(line.c_str(), line.size());
        if (doc.HasParseError() || !doc.IsObject())
            throw UsageError((path == "-" ? std::string("stdin") : path) + " line " + std::to_string(number) +
                             ": not a JSON object");
        on_item(std::move(line));
    }
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

}  // namespace nodehost
