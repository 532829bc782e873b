// The export's integrity guard (nodes/paging/export_guard.*), fed page sequences as the
// pagers feed it: each lie of a server ends the export with its own message, and the paging's
// own overlaps (the boundary instant's records asked for again, one remainder reached by two
// requests) are no error.
#include "paging/export_guard.hpp"

#include <doctest/doctest.h>
#include <wfplugin/node_error.hpp>

#include <optional>
#include <string>
#include <vector>

using threecx::paging::ExportGuard;

namespace {

struct Page {
    std::vector<std::string> fresh;  // records handed on
    std::vector<std::string> again;  // the boundary instant's records asked for again
    std::optional<int64_t> count;    // @odata.count
};

constexpr uint64_t page_size = 10;

// One request without next links, as PageReader::read feeds it.
void feed(ExportGuard &g, const Page &page, bool steady_count = false) {
    g.page_started();
    for (const auto &r : page.again) g.record(r, false);
    for (const auto &r : page.fresh) g.record(r, true);
    if (steady_count) g.same_count(page.count);
    g.page_done(page.count, page_size);
}

// The message of the NodeError `f` throws, "" when it throws none.
template <typename F>
std::string error_of(F &&f) {
    try {
        f();
    } catch (const wfplugin::NodeError &e) {
        CHECK(e.status == WFNODE_ERR_API);
        CHECK(e.http_status == 200);
        return e.what();
    }
    return "";
}

const std::string same_page = "the server sent the same page of records twice (does it ignore $skip or the next page link?); stopped";

}  // namespace

TEST_CASE("export guard: a next link sent twice within one page's links is a loop") {
    ExportGuard g;
    g.page_started();
    g.next_link("http://pbx/xapi/v1/x?$skip=10");
    g.next_link("http://pbx/xapi/v1/x?$skip=20");
    CHECK(error_of([&] { g.next_link("http://pbx/xapi/v1/x?$skip=10"); }) ==
          R"(the server sent a next page link it had sent before ("http://pbx/xapi/v1/x?$skip=10"): a loop; stopped)");
}

TEST_CASE("export guard: the same next link ending two pages' chains is no loop") {
    ExportGuard g;
    g.page_started();
    g.next_link("http://pbx/xapi/v1/x?$skip=20&$top=10");
    g.page_started();
    CHECK(error_of([&] { g.next_link("http://pbx/xapi/v1/x?$skip=20&$top=10"); }) == "");
}

TEST_CASE("export guard: the same page of records twice") {
    ExportGuard g;
    feed(g, {{"{\"a\":1}", "{\"a\":2}"}, {}, {}});
    feed(g, {{"{\"a\":3}"}, {}, {}});
    CHECK(error_of([&] { feed(g, {{"{\"a\":1}", "{\"a\":2}"}, {}, {}}); }) == same_page);
}

TEST_CASE("export guard: pages that differ only inside their records are different pages") {
    // Records of one conversation share their first and last bytes.
    ExportGuard g;
    feed(g, {{R"({"id":"c1","text":"hello","end":1})"}, {}, {}});
    CHECK(error_of([&] { feed(g, {{R"({"id":"c1","text":"hullo","end":1})"}, {}, {}}); }) == "");
    // The same records, one page holding more of them, is not the same page either.
    CHECK(error_of([&] { feed(g, {{R"({"id":"c1","text":"hello","end":1})", "{}"}, {}, {}}); }) == "");
}

TEST_CASE("export guard: a last page of only the boundary's records asked for again is the end, not a repeat") {
    // Paging by TimeSent: the one-record tail of a page comes again first on the next page.
    ExportGuard g;
    feed(g, {{"{\"t\":1}", "{\"t\":2}"}, {}, 3});
    feed(g, {{"{\"t\":3}"}, {"{\"t\":2}"}, 3});
    CHECK(error_of([&] { feed(g, {{}, {"{\"t\":3}"}, 3}); }) == "");
    CHECK(error_of([&] { feed(g, {{}, {"{\"t\":3}"}, 3}); }) == "");  // and again: nothing new, nothing counted
    CHECK(error_of([&] { g.finished(3, 0); }) == "");
    // The same record sent as new (not asked for again) is the server's repeat.
    CHECK(error_of([&] { feed(g, {{"{\"t\":3}"}, {}, 3}); }) == same_page);
}

TEST_CASE("export guard: empty pages are not the same page twice") {
    ExportGuard g;
    feed(g, {{}, {}, 0});
    CHECK(error_of([&] { feed(g, {{}, {}, 0}); }) == "");
    CHECK(error_of([&] { g.finished(0, 0); }) == "");
}

TEST_CASE("export guard: a count that changes under $skip paging") {
    ExportGuard g;
    feed(g, {{"{\"a\":1}"}, {}, 20000}, true);
    CHECK(g.promised() == 20000);
    CHECK(error_of([&] { feed(g, {{"{\"a\":2}"}, {}, 20000}, true); }) == "");
    CHECK(error_of([&] { feed(g, {{"{\"a\":3}"}, {}, std::nullopt}, true); }) == "");  // a page without a count
    CHECK(error_of([&] { feed(g, {{"{\"a\":4}"}, {}, 17000}, true); }) ==
          "the data changed during the export (@odata.count went from 20000 to 17000): paged by $skip, records may "
          "have been skipped or repeated; run it again, or let it page by TimeSent (no orderby, no skip, a select "
          "that keeps TimeSent)");
}

TEST_CASE("export guard: the first count is the promise, whatever later pages say (paging by TimeSent)") {
    ExportGuard g;
    feed(g, {{"{\"a\":1}"}, {}, 5});
    feed(g, {{"{\"a\":2}"}, {}, 4});  // counted from the boundary: fewer
    CHECK(g.promised() == 5);
}

TEST_CASE("export guard: more records than the count promised, past one page more") {
    auto records = [](const char *page, int n) {
        std::vector<std::string> out;
        for (int i = 0; i < n; ++i) out.push_back(R"({"page":")" + std::string(page) + R"(","i":)" + std::to_string(i) + "}");
        return out;
    };
    ExportGuard g;
    feed(g, {records("first", 10), {}, 5});
    // Up to a page more than promised: records added since the count.
    CHECK(error_of([&] { feed(g, {records("second", 5), {}, 5}); }) == "");  // 15 = 5 + page_size
    CHECK(error_of([&] { feed(g, {records("third", 1), {}, 5}); }) == "the server sent 16 records where @odata.count promised 5");
}

TEST_CASE("export guard: fewer records than the count promised at the end") {
    ExportGuard g;
    feed(g, {{"{\"a\":1}", "{\"a\":2}", "{\"a\":3}"}, {}, 5});
    CHECK(error_of([&] { g.finished(3, 1); }) == "the server promised 5 records (@odata.count) and sent 4");
    // The records before the user's $skip count towards the promise.
    CHECK(error_of([&] { g.finished(3, 2); }) == "");
    CHECK(error_of([&] { g.finished(6, 0); }) == "");
}

TEST_CASE("export guard: without a count, any end is the server's word") {
    ExportGuard g;
    feed(g, {{"{\"a\":1}"}, {}, std::nullopt});
    CHECK_FALSE(g.promised().has_value());
    CHECK(error_of([&] { g.finished(1, 0); }) == "");
    CHECK(error_of([&] { g.finished(0, 0); }) == "");
}
