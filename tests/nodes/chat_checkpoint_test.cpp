// Download Chat History's checkpoint (nodes/chat_checkpoint.*): the boundary instant, the
// late window, and the refusal of states that cannot be trusted. Records are fed as the
// export would read them (TimeSent order, from read_from()).
#include "chat_checkpoint.hpp"

#include <doctest/doctest.h>
#include <wfplugin/node_error.hpp>

#include <string>
#include <vector>

using threecx::ChatCheckpoint;
namespace iso8601 = wfplugin::iso8601;

namespace {

iso8601::TimePoint at(const char *text) { return *iso8601::parse(text); }
const auto now = at("2026-01-10T00:00:00Z");
struct Row {
    const char *t;
    std::string json;
};

// One run over what the server holds from the checkpoint's read_from() on: what it hands on.
std::vector<std::string> run(ChatCheckpoint &c, const std::vector<Row> &server) {
    std::vector<std::string> out;
    for (const auto &r : server)
        if (!c.read_from() || at(r.t) >= *c.read_from())
            if (c.take(at(r.t), r.json)) out.push_back(r.json);
    return out;
}

std::string refusal(const std::string &state, const std::string &pbx = "p", const std::string &query = "q") {
    try {
        ChatCheckpoint::read(state, pbx, query, now);
    } catch (const wfplugin::NodeError &e) {
        CHECK(e.field == "state");
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("checkpoint: records at the boundary instant are neither lost nor repeated even with no late window") {
    std::vector<Row> server{{"2026-01-01T10:00:00Z", "a"}, {"2026-01-01T11:00:00Z", "b"}, {"2026-01-01T11:00:00Z", "c"}};
    ChatCheckpoint first("p", "q", std::nullopt);
    CHECK(run(first, server) == std::vector<std::string>{"a", "b", "c"});
    const std::string state = first.next_state(std::chrono::seconds(0));
    // A third record of that instant appears, and one later.
    server.push_back({"2026-01-01T11:00:00Z", "d"});
    server.push_back({"2026-01-01T12:00:00Z", "e"});
    auto second = ChatCheckpoint::read(state, "p", "q", now);
    CHECK(second.read_from() == at("2026-01-01T11:00:00Z"));
    CHECK(run(second, server) == std::vector<std::string>{"d", "e"});
    CHECK(second.passed_over() == 2);
    auto third = ChatCheckpoint::read(second.next_state(std::chrono::seconds(0)), "p", "q", now);
    CHECK(run(third, server).empty());
}

TEST_CASE("checkpoint: a record that arrives late inside the window is handed on once and one older than it is not seen") {
    std::vector<Row> server{{"2026-01-01T08:00:00Z", "a"}, {"2026-01-01T12:00:00Z", "b"}};
    ChatCheckpoint first("p", "q", at("2026-01-01T00:00:00Z"));
    CHECK(run(first, server) == std::vector<std::string>{"a", "b"});
    const auto window = std::chrono::hours(2);
    // Late: 11:00 (inside the 2 h window before the 12:00 checkpoint) and 09:00 (outside it).
    server.insert(server.begin() + 1, {"2026-01-01T09:00:00Z", "late-outside"});
    server.insert(server.begin() + 2, {"2026-01-01T11:00:00Z", "late-inside"});
    auto second = ChatCheckpoint::read(first.next_state(window), "p", "q", now);
    CHECK(second.read_from() == at("2026-01-01T10:00:00Z"));
    CHECK(run(second, server) == std::vector<std::string>{"late-inside"});
    // The late record is remembered: the next run passes over it.
    auto third = ChatCheckpoint::read(second.next_state(window), "p", "q", now);
    CHECK(run(third, server).empty());
    CHECK(third.passed_over() == 2);
}

TEST_CASE("checkpoint: the window never reaches before what was read and identical records count one by one") {
    std::vector<Row> server{{"2026-01-01T10:00:00Z", "x"}, {"2026-01-01T10:00:00Z", "x"}};
    ChatCheckpoint first("p", "q", at("2026-01-01T09:30:00Z"));
    CHECK(run(first, server).size() == 2);
    const std::string state = first.next_state(std::chrono::hours(24));
    CHECK(state.find(R"("windowFrom":"2026-01-01T09:30:00Z")") != std::string::npos);
    server.push_back({"2026-01-01T10:00:00Z", "x"});  // a third record with the same bytes
    auto second = ChatCheckpoint::read(state, "p", "q", now);
    CHECK(run(second, server) == std::vector<std::string>{"x"});
}

TEST_CASE("checkpoint: a state that is corrupted or edited badly or of another PBX or query or in the future is refused") {
    ChatCheckpoint c("p", "q", std::nullopt);
    c.take(at("2026-01-01T10:00:00Z"), "a");
    const std::string good = c.next_state(std::chrono::hours(1));
    CHECK(refusal(good).empty());
    CHECK(refusal(good.substr(0, good.size() / 2)).find("not valid JSON") != std::string::npos);
    CHECK(refusal(good, "other").find("another PBX") != std::string::npos);
    CHECK(refusal(good, "p", "other").find("another query") != std::string::npos);
    auto edited = [&](const std::string &from, const std::string &to) {
        std::string s = good;
        REQUIRE(s.find(from) != std::string::npos);
        return s.replace(s.find(from), from.size(), to);
    };
    CHECK(refusal(edited(R"("checkpoint":"2026-01-01T10:00:00Z")", R"("checkpoint":"2099-01-01T00:00:00Z")"))
              .find("in the future") != std::string::npos);
    CHECK(refusal(edited(R"("checkpoint":"2026-01-01T10:00:00Z")", R"("checkpoint":"2026-01-01T08:00:00Z")"))
              .find("windowFrom is after its checkpoint") != std::string::npos);
    CHECK(refusal(edited(R"("version":1)", R"("version":2)")).find("version 2") != std::string::npos);
    CHECK(refusal(edited(R"("window":[)", R"("extra":1,"window":[)")).find("unknown member") != std::string::npos);
    CHECK(refusal(edited(R"("fp":[")", R"("fp":["zz)")).find("16 hex digits") != std::string::npos);
    CHECK(refusal("[]").find("not a JSON object") != std::string::npos);
}
