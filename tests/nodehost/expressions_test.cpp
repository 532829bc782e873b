// {{ }} expressions, as nodehost evaluates them per item.
#include "emulator_process.hpp"
#include "expressions.hpp"
#include "io.hpp"

#include <doctest/doctest.h>

using namespace nodehost;

namespace {

std::string eval(const std::string &params, const std::string &item) {
    auto p = testsupport::parse(params);
    auto j = testsupport::parse(item);
    ExpressionContext ctx{&j, std::chrono::time_point_cast<std::chrono::system_clock::duration>(
                                  *nodehost::parse_instant("2026-03-15T10:30:00Z"))};
    return to_json(evaluate(p, ctx, "parameters"));
}

}  // namespace

TEST_CASE("a whole-string expression keeps the value's type, embedded ones become text") {
    CHECK(eval(R"({"top":"{{ $json.n }}"})", R"({"n":5})") == R"({"top":5})");
    CHECK(eval(R"({"f":"TimeSent ge {{$json.from}}"})", R"({"from":"2026-01-01T00:00:00Z"})") ==
          R"({"f":"TimeSent ge 2026-01-01T00:00:00Z"})");
    CHECK(eval(R"({"x":"{{ $json.a.b[1] }}"})", R"({"a":{"b":[1,{"c":true}]}})") == R"({"x":{"c":true}})");
    CHECK(eval(R"({"x":"{{ $json[\"odd key\"] }}"})", R"({"odd key":"v"})") == R"({"x":"v"})");
    CHECK(eval(R"({"list":["{{ $json.n }}", 2]})", R"({"n":1})") == R"({"list":[1,2]})");
}

TEST_CASE("dates relative to now") {
    CHECK(eval(R"({"t":"{{ $now }}"})", "{}") == R"({"t":"2026-03-15T10:30:00Z"})");
    CHECK(eval(R"({"t":"{{ $today }}"})", "{}") == R"({"t":"2026-03-15T00:00:00Z"})");
    CHECK(eval(R"({"t":"{{ $now.minus(90, 'days') }}"})", "{}") == R"({"t":"2025-12-15T10:30:00Z"})");
    CHECK(eval(R"({"t":"{{ $now.minus(1, 'day').startOf('day') }}"})", "{}") == R"({"t":"2026-03-14T00:00:00Z"})");
    CHECK(eval(R"({"t":"{{ $today.plus(2, \"hours\") }}"})", "{}") == R"({"t":"2026-03-15T02:00:00Z"})");
}

TEST_CASE("dates formatted for a file name: yyyy MM dd HH mm ss in UTC, quoted letters as they are") {
    CHECK(eval(R"({"p":"out/chats-{{ $now.minus(1, 'days').format('yyyy-MM-dd') }}.jsonl.gz"})", "{}") ==
          R"({"p":"out/chats-2026-03-14.jsonl.gz"})");
    CHECK(eval(R"({"p":"{{ $now.format(\"yyyyMMdd'T'HHmmss\") }}"})", "{}") == R"({"p":"20260315T103000"})");
    CHECK(eval(R"({"p":"{{ $today.minus(700000, 'days').format('yyyy/MM/dd HH:mm:ss') }}"})", "{}") ==
          R"({"p":"0109/09/01 00:00:00"})");
    CHECK_THROWS_WITH_AS(eval(R"({"p":"{{ $now.format('yy-MM-dd') }}"})", "{}"),
                         doctest::Contains("parameters.p: unknown date token 'yy'"), ExpressionError);
    CHECK_THROWS_WITH_AS(eval(R"({"p":"{{ $now.format('YYYY') }}"})", "{}"), doctest::Contains("unknown date token 'YYYY'"),
                         ExpressionError);
    CHECK_THROWS_WITH_AS(eval(R"({"p":"{{ $now.format(\"dd'T\") }}"})", "{}"), doctest::Contains("unterminated quote"),
                         ExpressionError);
    CHECK_THROWS_WITH_AS(eval(R"({"p":"{{ $now.format('yyyy').minus(1, 'days') }}"})", "{}"), doctest::Contains("unexpected text"),
                         ExpressionError);
}

TEST_CASE("errors name the parameter") {
    CHECK_THROWS_WITH_AS(eval(R"({"a":{"b":"{{ $json.missing }}"}})", "{}"), "parameters.a.b: $json.missing is not set in this item",
                         ExpressionError);
    CHECK_THROWS_WITH_AS(eval(R"({"a":"{{ $now.minus(1) }}"})", "{}"), doctest::Contains("parameters.a: expected ,"), ExpressionError);
    CHECK_THROWS_WITH_AS(eval(R"({"a":"{{ $json.x "})", "{}"), doctest::Contains("unterminated {{"), ExpressionError);
}
