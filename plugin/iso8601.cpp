#include "wfplugin/iso8601.hpp"

#include <date/date.h>

#include <regex>
#include <sstream>
#include <string>

namespace wfplugin::iso8601 {

std::optional<TimePoint> parse(std::string_view text) {
    // date::parse accepts shorter fields ("2026-1-1") and signs; the extended form has fixed widths.
    static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2}))");
    if (!std::regex_match(text.begin(), text.end(), shape)) return std::nullopt;
    // date::parse reads fractional seconds to the precision of the time point: ticks of
    // 100 ns take the 7 digits .NET writes. "%Ez" reads +hh:mm; "Z" is a literal.
    using Ticks = std::chrono::duration<int64_t, std::ratio<1, 10'000'000>>;
    const bool utc = !text.empty() && text.back() == 'Z';
    std::istringstream in{std::string(utc ? text.substr(0, text.size() - 1) : text)};
    date::sys_time<Ticks> t;
    in >> date::parse(utc ? "%4Y-%m-%dT%H:%M:%S" : "%4Y-%m-%dT%H:%M:%S%Ez", t);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    return std::chrono::floor<std::chrono::microseconds>(t);
}

}  // namespace wfplugin::iso8601
