// ISO 8601 date-times with an offset ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00",
// "0001-01-01T00:00:00.0000000+00:00"), read with Howard Hinnant's date::parse.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace wfplugin::iso8601 {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

// The instant `text` names, or nullopt unless it is a whole calendar date-time with an
// offset ("Z" or +hh:mm). Up to 7 fractional digits (.NET writes 7); kept to microseconds.
std::optional<TimePoint> parse(std::string_view text);

}  // namespace wfplugin::iso8601
