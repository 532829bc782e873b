// RFC 4180 quoting of the CSV writer.
#include "csv_writer.hpp"
#include "emulator_process.hpp"

#include <doctest/doctest.h>

using namespace nodehost;

TEST_CASE("CSV fields: commas, quotes and newlines are quoted, quotes doubled") {
    CHECK(csv_field("plain") == "plain");
    CHECK(csv_field("a, b") == "\"a, b\"");
    CHECK(csv_field("say \"paid\"") == "\"say \"\"paid\"\"\"");
    CHECK(csv_field("Thanks!\nThat solved it.") == "\"Thanks!\nThat solved it.\"");
    CHECK(csv_field("cr\rhere") == "\"cr\rhere\"");
    CHECK(csv_field("") == "");
}

TEST_CASE("CSV rows: header from the union of fields, JSON for non-strings, empty for null or absent") {
    auto a = testsupport::parse(R"({"Message":"hi, there","Count":3})");
    auto b = testsupport::parse(R"({"Count":null,"Tags":["x","y"],"Ok":true})");
    std::vector<std::string> columns;
    add_columns(a, columns);
    add_columns(b, columns);
    CHECK(columns == std::vector<std::string>{"Message", "Count", "Tags", "Ok"});
    CHECK(csv_row(a, columns) == "\"hi, there\",3,,\r\n");
    CHECK(csv_row(b, columns) == ",,\"[\"\"x\"\",\"\"y\"\"]\",true\r\n");
}
