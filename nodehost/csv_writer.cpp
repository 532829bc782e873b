#include "csv_writer.hpp"

#include "io.hpp"

#include <algorithm>

namespace nodehost {

std::string csv_field(std::string_view text) {
    if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string csv_row(const rapidjson::Value &item, const std::vector<std::string> &columns) {
    std::string row;
    for (size_t i = 0; i < columns.size(); ++i) {
        if (i) row += ',';
        auto it = item.FindMember(columns[i].c_str());
        if (it == item.MemberEnd() || it->value.IsNull()) continue;
        if (it->value.IsString()) row += csv_field({it->value.GetString(), it->value.GetStringLength()});
        else row += csv_field(to_json(it->value));
    }
    return row + "\r\n";
}

void add_columns(const rapidjson::Value &item, std::vector<std::string> &columns) {
    for (const auto &m : item.GetObject()) {
        std::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (std::find(columns.begin(), columns.end(), name) == columns.end()) columns.emplace_back(name);
    }
}

}  // namespace nodehost
