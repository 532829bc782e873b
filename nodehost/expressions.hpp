// n8n-style expressions in parameter values, evaluated by the host per input item:
//   {{ $json.field }}, {{ $json.a.b }}, {{ $json["a b"] }}, {{ $json.list[0] }}
//   {{ $now }}, {{ $today }}, {{ $now.minus(90, 'days') }}, {{ $now.plus(1, 'hours') }},
//   {{ $now.minus(1, 'days').startOf('day') }}   units: seconds minutes hours days weeks
//   {{ $now.minus(1, 'days').format('yyyy-MM-dd') }}   tokens: yyyy MM dd HH mm ss (UTC),
//       "...'T'..." for letters; ends the chain with text (a dated file name)
// A string that is exactly one expression takes the expression's JSON value (a number stays
// a number); otherwise each expression is replaced by its text. Dates are UTC ISO 8601.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nodehost {

struct ExpressionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ExpressionContext {
    const rapidjson::Value *json = nullptr;  // the current item ($json)
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// True when `value` (recursively) holds any {{ }} expression.
bool has_expressions(const rapidjson::Value &value);

// True when `text` is exactly one expression ("{{ $json.p }}"): it takes the expression's
// JSON value, so it is not JSON text to parse.
bool is_one_expression(std::string_view text);

// Checks every expression's syntax without an item; throws ExpressionError naming the path.
void check_expressions(const rapidjson::Value &value, const std::string &path);

// A copy of `value` with every expression evaluated; throws ExpressionError naming the path.
rapidjson::Document evaluate(const rapidjson::Value &value, const ExpressionContext &ctx, const std::string &path);

// The instant an ISO 8601 date-time with an offset names ("2026-03-15T10:30:00Z",
// "...+01:00") within the system clock's years (1678-2262), as `--now` takes it; nullopt
// for anything else.
std::optional<std::chrono::system_clock::time_point> parse_instant(std::string_view text);

}  // namespace nodehost
