#include "wfplugin/json.hpp"

#include "wfplugin/node_error.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

namespace wfplugin::json {

rapidjson::Document parse(std::string_view text, const std::string &what) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError())
        throw invalid(what, fmt::format("{} is not valid JSON: {} at offset {}", what.empty() ? "input" : what,
                                        rapidjson::GetParseError_En(doc.GetParseError()),
                                        doc.GetErrorOffset()));
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
    if (value.IsDouble()) {
        double d = value.GetDouble();
        return (d == static_cast<double>(static_cast<long long>(d))) ? "integer" : "number";
    }
    return "unknown";
}

}  // namespace wfplugin::json
