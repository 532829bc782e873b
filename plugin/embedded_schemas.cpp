#include "embedded_schemas.hpp"

#include <map>
#include <stdexcept>
#include <string>

namespace threecx::schema_text {
extern const char *const downloadChatHistory;
extern const char *const purgeChats;
extern const char *const threecxApi;
}  // namespace threecx::schema_text

namespace threecx::schemas {
namespace {

struct Entry {
    const char *text;
    rapidjson::Document doc;
};

using Entries = std::map<std::string, Entry, std::less<>>;

Entries load() {
    Entries m;
    for (auto [name, text] : {std::pair{"downloadChatHistory", schema_text::downloadChatHistory},
                              std::pair{"purgeChats", schema_text::purgeChats},
                              std::pair{"threecxApi", schema_text::threecxApi}}) {
        Entry e{text, {}};
        e.doc.Parse(text);
        if (e.doc.HasParseError()) throw std::logic_error(std::string("embedded schema is not JSON: ") + name);
        m.emplace(name, std::move(e));
    }
    return m;
}

// Built on first use; destroyed when the plugin is unloaded (hosts unload only after their
// last execute() has returned, as host_api/README.md requires).
const Entries &entries() {
    static const Entries all = load();
    return all;
}

}  // namespace

const char *text(std::string_view name) {
    auto it = entries().find(name);
    if (it == entries().end()) throw std::out_of_range("no embedded schema " + std::string(name));
    return it->second.text;
}

const rapidjson::Value &document(std::string_view name) {
    auto it = entries().find(name);
    if (it == entries().end()) throw std::out_of_range("no embedded schema " + std::string(name));
    return it->second.doc;
}

}  // namespace threecx::schemas
