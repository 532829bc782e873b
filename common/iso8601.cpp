#include "wfcommon/iso8601.hpp"

#include <date/date.h>

#include <regex>
#include <sstream>
#include <string>

namespace wfcommon::iso8601 {

std::optional<TimePoint> parse(std::string_view text) {
    // date::parse accepts shorter fields ("2026-1-1") and signs; the extended form has fixed
    // widths. Offsets run from -12:00 to +14:00 in practice; +/-14:00 bounds both.
    static const std::regex shape(
        R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6}0?)?(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00))");
    if (!std::regex_match(text.begin(), text.end(), shape)) return std::nullopt;
    // date::parse reads fractional seconds to the precision of the time point: ticks of
    // 100 ns take the 7 digits .NET writes (the 7th must be 0: we keep microseconds, and
    // never send an instant other than the one written). "%Ez" reads +hh:mm; "Z" is a literal.
    using Ticks = std::chrono::duration<int64_t, std::ratio<1, 10'000'000>>;
    const bool utc = text.back() == 'Z';
    std::istringstream in{std::string(utc ? text.substr(0, text.size() - 1) : text)};
    date::sys_time<Ticks> t;
    in >> date::parse(utc ? "%4Y-%m-%dT%H:%M:%S" : "%4Y-%m-%dT%H:%M:%S%Ez", t);
    if (in.fail() || in.peek() != std::char_traits<char>::eof()) return std::nullopt;
    auto instant = std::chrono::floor<std::chrono::microseconds>(t);
    using namespace date::literals;
    static const TimePoint first = date::sys_days{0001_y / 1 / 1};
    static const TimePoint after_last = date::sys_days{10000_y / 1 / 1};
    if (instant < first || instant >= after_last) return std::nullopt;
    return instant;
}

std::optional<TimePoint> parse_if_present(const std::optional<std::string> &text) {
    return text ? parse(*text) : std::nullopt;
}

std::string format(TimePoint t) {
    auto seconds = std::chrono::floor<std::chrono::seconds>(t);
    std::string out = date::format("%FT%T", seconds);
    if (auto micros = (t - seconds).count(); micros != 0) {
        std::string fraction = std::to_string(1'000'000 + micros).substr(1);  // six digits
        out += "." + fraction.substr(0, fraction.find_last_not_of('0') + 1);
    }
    return out + "Z";
}

}  // namespace wfcommon::iso8601
