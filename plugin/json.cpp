#include "wfplugin/json.hpp"

#include "wfplugin/node_error.hpp"

#include <fmt/format.h>

namespace wfplugin::json {

rapidjson::Document parse(std::string_view text, const std::string &what) {
    const std::string name = what.empty() ? "input" : what;
    rapidjson::Document doc;
    if (auto problem = wfcommon::json::parse(text, doc)) {
        // Parameters' fields are named from their root ("options.filter"), as validation names them.
        std::string field = what == "parameters" && !problem->path.empty() ? problem->path
                            : problem->path.empty() || problem->path[0] == '[' ? what + problem->path
                                                                              : what + "." + problem->path;
        throw invalid(field, fmt::format("{} is not valid JSON: {}", name, problem->describe()));
    }
    return doc;
}

std::string stringify(const rapidjson::Value &value) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
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
    if (value.IsNumber()) return "number";
    return "unknown";
}

}  // namespace wfplugin::json
