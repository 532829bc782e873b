#include "wfplugin/json.hpp"

#include "wfplugin/node_error.hpp"

#include <fmt/format.h>

namespace wfplugin::json {

rapidjson::Document parse(std::string_view text, const std::string &what) {
    const std::string name = what.empty() ? "input" : what;
    rapidjson::Document doc;
    if (auto problem = wfcommon::json::parse(text, doc)) {
        // The field is the parameter named by keys, as validation names it ("options.filter"):
        // the path up to its first array index; parameters' paths start at their root.
        const std::string keys = problem->path.substr(0, problem->path.find('['));
        std::string field = what == "parameters" ? (keys.empty() ? what : keys) : keys.empty() ? what : what + "." + keys;
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
