// The JSON Schemas a plugin module embeds at build time (wfplugin_add_module in
// cmake/WfpluginModule.cmake): the files stay the single source of truth.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string_view>

namespace wfplugin::schemas {

// The table a module's build generates from its schema files, one entry per file, named by
// the file's stem ("purgeChats" for purgeChats.json). Read through text() and document().
struct EmbeddedSchema {
    const char *name;
    const char *text;
};
extern const EmbeddedSchema embedded_schema_table[];
extern const std::size_t embedded_schema_count;

// The text of the embedded <name>.json; throws std::out_of_range for an unknown name.
const char *text(std::string_view name);

// The same, parsed once per process; immutable afterwards, so safe from any thread.
const rapidjson::Value &document(std::string_view name);

}  // namespace wfplugin::schemas
