#include "wfcommon/secret_fields.hpp"

namespace wfcommon {

bool is_secret_property(const rapidjson::Value &p) {
    auto flag = [&](const char *name) {
        auto it = p.FindMember(name);
        return it != p.MemberEnd() && it->value.IsTrue();
    };
    return p.IsObject() && (flag("writeOnly") || flag("x-secret"));
}

std::vector<std::string> secret_fields(const rapidjson::Value &schema) {
    std::vector<std::string> out;
    if (!schema.IsObject()) return out;
    auto props = schema.FindMember("properties");
    if (props == schema.MemberEnd() || !props->value.IsObject()) return out;
    for (const auto &m : props->value.GetObject())
        if (is_secret_property(m.value)) out.emplace_back(m.name.GetString(), m.name.GetStringLength());
    return out;
}

}  // namespace wfcommon
