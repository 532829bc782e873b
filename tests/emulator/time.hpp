// Edm.DateTimeOffset as the emulated server reads it: date-times with an offset or Z, seconds
// and fractions optional, as an OData service accepts them.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace emulator {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

std::optional<TimePoint> parse_date_time(std::string_view text);

// UTC with a Z, to the second, or to the microsecond when there is a fraction: what the admin
// endpoints write, so an instant read back is the instant set.
std::string format_utc(TimePoint t);

}  // namespace emulator
