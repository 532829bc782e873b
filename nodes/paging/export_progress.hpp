// How far an export got, kept by its caller: an error that ends the export says it
// ("the export stopped after N records, at <position>").
#pragma once

#include <cstdint>
#include <string>

namespace threecx::paging {

struct ExportProgress {
    uint64_t records = 0;                    // read, those an earlier run handed on included
    std::string position = "the first page";  // the page being read, as the user would name it
};

}  // namespace threecx::paging
