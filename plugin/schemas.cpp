#include "wfplugin/schemas.hpp"

#include <map>
#include <stdexcept>
#include <string>

namespace wfplugin::schemas {
namespace {

struct Entry {
    const char *text;
    rapidjson::Document doc;
};

using Entries = std::map<std::string, Entry, std::less<>>;

Entries load() {
    Entries m;
    for (size_t i = 0; i < embedded_schema_count; ++i) {
        const EmbeddedSchema &s = embedded_schema_table[i];
        Entry e{s.text, {}};
        e.doc.Parse(s.text);
        if (e.doc.HasParseError()) throw std::logic_error(std::string("embedded schema is not JSON: ") + s.name);
        m.emplace(s.name, std::move(e));
    }
    return m;
}

// Built on first use; destroyed when the plugin is unloaded (hosts unload only after their
// last execute() has returned, as the ABI requires).
const Entries &entries() {
    static const Entries all = load();
    return all;
}

const Entry &entry(std::string_view name) {
    auto it = entries().find(name);
    if (it == entries().end()) throw std::out_of_range("no embedded schema " + std::string(name));
    return it->second;
}

}  // namespace

const char *text(std::string_view name) { return entry(name).text; }

const rapidjson::Value &document(std::string_view name) { return entry(name).doc; }

}  // namespace wfplugin::schemas
