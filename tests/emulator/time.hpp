// Edm.DateTimeOffset as the emulated server reads it: date-times with an offset or Z, seconds
// and fractions optional, as an OData service accepts them.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace emulator {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

std::optional<TimePoint> parse_date_time(std::string_view text);

}  // namespace emulator
