// The schemas/ files, embedded into the .so at build time (cmake/EmbedFiles.cmake).
#pragma once

#include <rapidjson/document.h>

#include <string_view>

namespace threecx::schemas {

// The text of schemas/<name>.json; throws std::out_of_range for an unknown name.
const char *text(std::string_view name);

// The same, parsed once per process; immutable afterwards, so safe from any thread.
const rapidjson::Value &document(std::string_view name);

}  // namespace threecx::schemas
