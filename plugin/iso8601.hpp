// ISO 8601 date-times with an offset, as the XAPI writes them ("2026-01-01T00:00:00Z",
// "0001-01-01T00:00:00.0000000+00:00"). Shared by the plugin and the emulator.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace threecx::iso8601 {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

// The instant `text` names, or nullopt when it is not a date-time with an offset.
std::optional<TimePoint> parse(std::string_view text);

}  // namespace threecx::iso8601
