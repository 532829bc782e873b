// The error body an OData service answers with: {"error":{"code","message","details":[]}}.
#pragma once

#include <httplib.h>

#include <string>

namespace emulator {

void odata_error(httplib::Response &res, int status, const std::string &code, const std::string &message);

}  // namespace emulator
