#include "wfcommon/fnv1a.hpp"

#include <fmt/format.h>

namespace wfcommon::fnv1a {

std::string hex(uint64_t h) { return fmt::format("{:016x}", h); }

}  // namespace wfcommon::fnv1a
