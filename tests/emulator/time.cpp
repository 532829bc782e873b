#include "time.hpp"

#include <date/date.h>

#include <regex>
#include <sstream>
#include <string>

namespace emulator {

std::optional<TimePoint> parse_date_time(std::string_view text) {
    // date::parse reads the literal ("%Ez" is +hh:mm, a trailing Z is UTC) once its shape is
    // right: it overflows on a sign with no offset after it.
    static const std::regex shape(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2}))");
    if (!std::regex_match(text.begin(), text.end(), shape)) return std::nullopt;
    const bool utc = text.ends_with('Z');
    std::istringstream in{std::string(text.substr(0, text.size() - (utc ? 1 : 0)))};
    date::sys_time<std::chrono::duration<int64_t, std::ratio<1, 10'000'000>>> t{};
    in >> date::parse(utc ? "%FT%T" : "%FT%T%Ez", t);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    return std::chrono::floor<std::chrono::microseconds>(t);
}

std::string format_utc(TimePoint t) {
    const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    return seconds == t ? date::format("%FT%TZ", seconds) : date::format("%FT%TZ", t);
}

}  // namespace emulator
