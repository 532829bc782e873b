// ISO 8601 date-times with an offset ("2026-01-01T00:00:00Z", "2026-01-01T01:00:00+01:00",
// "0001-01-01T00:00:00.0000000+00:00"), read with Howard Hinnant's date::parse: the one reading
// and writing of instants, for the plugin (parameters, server data) and nodehost (--now, $now).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace wfcommon::iso8601 {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

// The instant `text` names, or nullopt unless it is a real calendar date and time
// (no 31 February, no 24:00) with an offset ("Z" or +hh:mm, within +/-14:00), whose instant
// lies in the years 0001-9999 (UTC). Fractions to the microsecond (a 7th digit, as .NET
// writes, only if it is 0).
std::optional<TimePoint> parse(std::string_view text);

// The same for a text that may be absent (a manifest's optional field): nullopt when it is.
std::optional<TimePoint> parse_if_present(const std::optional<std::string> &text);

// The one form the plugin sends an instant in: UTC with "Z", fractional seconds only when
// there are any, trailing zeros dropped ("2026-01-01T00:00:00Z", "...:00.5Z").
std::string format(TimePoint t);

}  // namespace wfcommon::iso8601
