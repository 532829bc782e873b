// The line reader behind nodehost serve: lines cut from chunks however the chunks fall, and a
// line past the limit handed on once, as its head, without the rest being kept or read as lines.
#include "io.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

using namespace nodehost;

namespace {

// Feeds `input` in chunks of `chunk` bytes; returns each line handed on with whether it was whole.
std::vector<std::pair<std::string, bool>> split(const std::string &input, size_t limit, size_t chunk) {
    std::vector<std::pair<std::string, bool>> lines;
    LineSplitter splitter(limit);
    auto on_line = [&](std::string &line, bool whole) { lines.emplace_back(line, whole); };
    for (size_t at = 0; at < input.size(); at += chunk) splitter.feed(std::string_view(input).substr(at, chunk), on_line);
    splitter.finish(on_line);
    return lines;
}

using Lines = std::vector<std::pair<std::string, bool>>;

}  // namespace

TEST_CASE("lines are the same however the chunks fall") {
    const std::string input = "{\"id\":1}\n\n{\"id\":2}\nlast";
    for (size_t chunk : {1, 2, 3, 7, 64}) {
        CAPTURE(chunk);
        CHECK(split(input, 16, chunk) == Lines{{"{\"id\":1}", true}, {"", true}, {"{\"id\":2}", true}, {"last", true}});
    }
}

TEST_CASE("a line of exactly the limit is whole, and one byte more is handed on once as its head, the rest skipped") {
    for (size_t chunk : {1, 3, 5, 100}) {
        CAPTURE(chunk);
        CHECK(split("0123456789\nnext\n", 10, chunk) == Lines{{"0123456789", true}, {"next", true}});
        CHECK(split("0123456789A\nnext\n", 10, chunk) == Lines{{"0123456789", false}, {"next", true}});
        // The rest of a long line, however much and whatever it holds, is not read as lines.
        CHECK(split("0123456789" + std::string(1000, 'x') + "{\"id\":3}\nnext", 10, chunk) ==
              Lines{{"0123456789", false}, {"next", true}});
        // A long last line without a newline: handed on once, nothing at the end.
        CHECK(split("0123456789ABCDEF", 10, chunk) == Lines{{"0123456789", false}});
    }
}

TEST_CASE("a line past a large limit is refused before it is all there, and the reader holds no more than the limit") {
    const size_t limit = 4u << 20;
    LineSplitter splitter(limit);
    std::vector<std::pair<size_t, bool>> seen;  // size and whole
    auto on_line = [&](std::string &line, bool whole) { seen.emplace_back(line.size(), whole); };
    const std::string mib(1u << 20, 'x');
    for (int i = 0; i < 4; ++i) splitter.feed(mib, on_line);
    CHECK(seen.empty());  // exactly the limit so far: it may still end
    splitter.feed("y", on_line);
    CHECK(seen == std::vector<std::pair<size_t, bool>>{{limit, false}});
    for (int i = 0; i < 8; ++i) splitter.feed(mib, on_line);
    splitter.feed("\n{}\n", on_line);
    CHECK(seen == std::vector<std::pair<size_t, bool>>{{limit, false}, {2, true}});
}
