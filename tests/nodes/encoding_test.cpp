// The exact bytes the plugin sends: OData literals, percent-encoding, lists, search phrases,
// base URLs and the date-times it compares.
#include "xapi/credentials.hpp"
#include "xapi/odata.hpp"

#include <doctest/doctest.h>
#include <wfplugin/http.hpp>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/url.hpp>

using namespace threecx;
using namespace wfplugin;

TEST_CASE("time zone literal: quotes doubled, then percent-encoded for the path") {
    CHECK(xapi::string_literal("Europe/Berlin") == "'Europe/Berlin'");
    CHECK(xapi::string_literal("Etc/O'Brien") == "'Etc/O''Brien'");
    CHECK(http::percent_encode(xapi::string_literal("Europe/Berlin")) == "%27Europe%2FBerlin%27");
    CHECK(http::percent_encode(xapi::string_literal("Etc/O'Brien")) == "%27Etc%2FO%27%27Brien%27");
    // The path the node sends; no IANA zone holds a quote, so the end-to-end test can only send
    // one with slashes (tests/e2e/download_test.cpp checks those bytes on the server side).
    CHECK(xapi::download_chat_history_path("Etc/O'Brien") ==
          "/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone=%27Etc%2FO%27%27Brien%27)");
}

TEST_CASE("query options are percent-encoded as query components") {
    CHECK(xapi::query_string({}) == "");
    CHECK(xapi::query_string({{"$top", "5"}, {"$filter", "TimeSent ge 2026-01-01T00:00:00+01:00"}}) ==
          "?$top=5&$filter=TimeSent%20ge%202026-01-01T00%3A00%3A00%2B01%3A00");
    CHECK(xapi::query_string({{"$search", "\"a&b=c\""}}) == "?$search=%22a%26b%3Dc%22");
    CHECK(http::percent_encode("Müller") == "M%C3%BCller");
}

TEST_CASE("lists are trimmed and joined with commas") {
    CHECK(xapi::normalise_list(" TimeSent desc , ConversationId,, ") == "TimeSent desc,ConversationId");
    CHECK(xapi::normalise_list("") == "");
}

TEST_CASE("search: a phrase with spaces that is not quoted is auto-quoted") {
    CHECK(xapi::search_phrase("parcel") == "parcel");
    CHECK(xapi::search_phrase("my parcel") == "\"my parcel\"");
    CHECK(xapi::search_phrase("\"my parcel\"") == "\"my parcel\"");
    CHECK(xapi::search_phrase("say \"hi\" now") == "\"say \\\"hi\\\" now\"");
}

TEST_CASE("base URL normalisation keeps the port and path prefix") {
    CHECK(xapi::normalise_base_url("HTTPS://PBX.Example.com:5001/") == "https://pbx.example.com:5001");
    CHECK(xapi::normalise_base_url("https://pbx.example.com/Prefix/3cx//") == "https://pbx.example.com/Prefix/3cx");
    xapi::Credentials c{"https://pbx.example.com:5001/p", "id", "key", false};
    CHECK(c.service_root() == "https://pbx.example.com:5001/p/xapi/v1");
    CHECK(c.token_url() == "https://pbx.example.com:5001/p/connect/token");
    CHECK(http::parse_url("https://pbx.example.com:5001/p/xapi/v1?x=1")->origin() == "https://pbx.example.com:5001");
}

TEST_CASE("ISO 8601 with offsets, as the XAPI writes them") {
    auto a = iso8601::parse("2026-01-01T01:00:00+01:00");
    auto b = iso8601::parse("2026-01-01T00:00:00Z");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a == *b);
    CHECK(iso8601::parse("0001-01-01T00:00:00.0000000+00:00"));
    CHECK(*iso8601::parse("2025-06-30T23:59:59.5-02:00") - *iso8601::parse("2025-07-01T01:59:59Z") ==
          std::chrono::milliseconds(500));
    CHECK_FALSE(iso8601::parse("2026-01-01T00:00:00"));
    CHECK_FALSE(iso8601::parse("2026-02-30T00:00:00Z"));
    CHECK_FALSE(iso8601::parse("yesterday"));
}
