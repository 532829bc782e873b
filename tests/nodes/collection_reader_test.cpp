// The collection page reader (nodes/xapi/collection_reader.cpp) against a real HTTP server in
// this process: canned bodies are sent in small chunks (one send each), so records, strings,
// escapes and multi-byte characters are cut across the reader's network reads. What a user
// checks: the exact bytes of each record handed on, the count and next link, and the kind and
// message of each error.
#include "xapi/collection_reader.hpp"

#include <doctest/doctest.h>
#include <httplib.h>
#include <wfplugin/http.hpp>
#include <wfplugin/node_error.hpp>
#include <wfplugin/retry.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <tuple>
#include <thread>
#include <vector>

namespace {

namespace http = wfplugin::http;
using threecx::xapi::PageInfo;
using threecx::xapi::Record;
using threecx::xapi::read_collection;

// How the server cuts a body: the piece sizes in turn (the last repeats), and a pause after
// each piece so that the reader sees each one in a read of its own.
struct Cut {
    std::vector<size_t> pieces{4096};
    int pause_us = 0;
};

// One server for the whole run, on an ephemeral port. Bodies are registered by number.
class Server {
public:
    static Server &get() {
        static Server *s = new Server;  // never destroyed: its thread may sit in accept() at exit
        return *s;
    }

    std::string url(const std::string &body, const Cut &cut) {
        std::lock_guard lock(mutex_);
        const int id = next_id_++;
        bodies_[id] = std::make_shared<const std::string>(body);
        std::ostringstream u;
        u << origin() << "/page/" << id << "?pause_us=" << cut.pause_us << "&pieces=";
        for (size_t i = 0; i < cut.pieces.size(); ++i) u << (i ? "_" : "") << cut.pieces[i];
        return u.str();
    }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }

private:
    Server() {
        server_.set_tcp_nodelay(true);
        server_.Get(R"(/page/(\d+))", [this](const httplib::Request &req, httplib::Response &res) {
            std::shared_ptr<const std::string> body;
            {
                std::lock_guard lock(mutex_);
                body = std::move(bodies_.extract(std::stoi(req.matches[1].str())).mapped());  // served once
            }
            std::vector<size_t> pieces;
            std::istringstream list(req.get_param_value("pieces"));
            for (std::string n; std::getline(list, n, '_');) pieces.push_back(std::stoul(n));
            const int pause_us = std::stoi(req.get_param_value("pause_us"));
            auto piece = std::make_shared<size_t>(0);
            // "; charset=utf-8": cpp-httplib compresses a bare "application/json", never this.
            res.set_chunked_content_provider("application/json; charset=utf-8",
                                             [body, pieces, pause_us, piece](size_t offset, httplib::DataSink &sink) {
                                                 if (offset >= body->size()) {
                                                     sink.done();
                                                     return true;
                                                 }
                                                 const size_t n = pieces[std::min(*piece, pieces.size() - 1)];
                                                 ++*piece;
                                                 // One chunk, one send: a flush per piece.
                                                 if (!sink.write(body->data() + offset, std::min(n, body->size() - offset)))
                                                     return false;
                                                 if (pause_us && offset + n < body->size())
                                                     std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
                                                 return true;
                                             });
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
        // Bound and listening already: a connection made before the thread accepts it waits.
        std::thread([this] { server_.listen_after_bind(); }).detach();
    }

    httplib::Server server_;
    int port_ = 0;
    std::mutex mutex_;
    std::map<int, std::shared_ptr<const std::string>> bodies_;
    int next_id_ = 0;
};

// How many two-piece bodies the reader first saw cut exactly where asked: the pause makes
// that all but certain, but a busy machine may still deliver both pieces in one read.
struct Splits {
    int tried = 0, exact = 0;
};
Splits splits;

void note_split(const http::Exchange &response, const Cut &cut) {
    if (cut.pause_us == 0 || cut.pieces.size() != 2) return;
    ++splits.tried;
    if (response.window().size() == cut.pieces[0]) ++splits.exact;
}

// What the reader did with one page.
struct Read {
    PageInfo info;
    std::vector<std::string> records;  // each record's bytes, as handed on
    std::vector<std::string> keys;     // the "TimeSent" each record reported
    std::vector<std::string> events;   // "count N" and "record" in the order they came
};

// The kinds of failure a caller tells apart.
enum class Failed { no, api, retryable, other };
struct Failure {
    Failed kind = Failed::no;
    std::string message;
    wfnode_status status = WFNODE_OK;
    int http_status = 0;
    uint64_t records_before = 0;  // records handed on before it failed
};

Read read_page(const std::string &body, const Cut &cut = {}) {
    auto &server = Server::get();
    http::Lease lease(server.origin(), true);
    http::Request request;
    request.url = server.url(body, cut);
    http::Exchange response(lease, nullptr);
    response.send(request);
    REQUIRE(response.status() == 200);
    note_split(response, cut);
    Read out;
    out.info = read_collection(
        response,
        [&](const Record &r) {
            out.records.emplace_back(r.json);
            out.keys.emplace_back(r.key);
            out.events.emplace_back("record");
        },
        [&](int64_t n) { out.events.push_back("count " + std::to_string(n)); }, "reading chats", "TimeSent");
    return out;
}

Failure fail_page(const std::string &body, const Cut &cut = {}) {
    Failure f;
    uint64_t records = 0;
    auto &server = Server::get();
    http::Lease lease(server.origin(), true);
    http::Request request;
    request.url = server.url(body, cut);
    http::Exchange response(lease, nullptr);
    response.send(request);
    REQUIRE(response.status() == 200);
    note_split(response, cut);
    auto from = [&](const wfplugin::NodeError &e, Failed kind) {
        f.kind = kind, f.message = e.what(), f.status = e.status, f.http_status = e.http_status;
    };
    try {
        read_collection(response, [&](const Record &) { ++records; }, nullptr, "reading chats", "TimeSent");
    } catch (const wfplugin::NodeError &e) {
        from(e, Failed::api);
    } catch (const http::RetryableFailure &r) {
        try {
            std::rethrow_exception(r.error);
        } catch (const wfplugin::NodeError &e) {
            from(e, Failed::retryable);
        } catch (const std::exception &e) {
            f.kind = Failed::other, f.message = e.what();
        }
    } catch (const std::exception &e) {
        f.kind = Failed::other, f.message = e.what();
    }
    f.records_before = records;
    return f;
}

bool contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

// An error message is shown to a user and written into JSON: it must be valid UTF-8.
bool valid_utf8(const std::string &s) {
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

// A page's bytes around its records, as the server writes it.
std::string page(const std::vector<std::string> &records, const std::string &before = "", const std::string &after = "") {
    std::string s = "{" + before + "\"value\":[";
    for (size_t i = 0; i < records.size(); ++i) s += (i ? "," : "") + records[i];
    return s + "]" + after + "}";
}

const std::vector<Cut> &every_piece_size() {
    static const std::vector<Cut> cuts{{{1}, 0}, {{3}, 0}, {{7}, 0}, {{4096}, 0}, {{1, 3, 7, 4096}, 0}};
    return cuts;
}

// Two pieces, the first `at` bytes long, with a pause between them: the reader's window ends
// exactly there.
Cut split_at(size_t at) { return Cut{{at, 1u << 30}, 2000}; }

std::string cut_name(const Cut &c) {
    std::string s;
    for (auto n : c.pieces) s += std::to_string(n) + " ";
    return s + "pause " + std::to_string(c.pause_us) + "us";
}

const std::vector<std::string> chats = {
    R"({"Id":1,"TimeSent":"2026-01-01T10:00:00Z","Message":"hello","From":{"Name":"Ann","Ext":"101"},"Tags":[]})",
    R"({"Id":2,"TimeSent":"2026-01-01T10:00:01Z","Message":"say \"hi\" to C:\\temp\\","Nested":{"a":[1,2,{"b":null}]}})",
    R"({"Id":3,"TimeSent":"2026-01-01T10:00:02Z","Message":"Grüße 日本語 😀 \u00e9\u20ac","Amount":-1.5e3,"Ok":true})",
    R"({})",
    R"({"TimeSent":"2026-01-01T10:00:03Z","Message":"\\\"quoted\\\" and \/ \b\f\n\r\t"})",
};

void check_chats(const Read &r, int64_t count) {
    CHECK(r.records == chats);
    CHECK(r.info.records == chats.size());
    REQUIRE(r.info.count);
    CHECK(*r.info.count == count);
    REQUIRE(!r.events.empty());
    CHECK(r.events.front() == "count " + std::to_string(count));
    CHECK(r.keys == std::vector<std::string>{"2026-01-01T10:00:00Z", "2026-01-01T10:00:01Z", "2026-01-01T10:00:02Z", "",
                                             "2026-01-01T10:00:03Z"});
}

}  // namespace

TEST_CASE("records are handed on byte for byte for every piece size") {
    const std::string next = "https://pbx.example.com/xapi/v1/ChatHistoryView?$skip=5&$top=5";
    const std::string body = page(chats, R"("@odata.context":"https://pbx/$metadata#ChatHistoryView","@odata.count":42,)",
                                  R"(,"@odata.nextLink":")" + next + "\"");
    for (const auto &cut : every_piece_size()) {
        CAPTURE(cut_name(cut));
        auto r = read_page(body, cut);
        check_chats(r, 42);
        CHECK(r.info.next_link == next);
        CHECK(r.events.size() == 1 + chats.size());  // the count once
    }
}

TEST_CASE("a window that ends at any byte of the page") {
    const std::string body = page(chats, R"("@odata.count":5,)", R"(,"@odata.nextLink":"n\"ext")");
    splits = {};
    for (size_t at = 1; at < body.size(); ++at) {
        CAPTURE(at);
        auto r = read_page(body, split_at(at));
        check_chats(r, 5);
        CHECK(r.info.next_link == "n\"ext");
    }
    MESSAGE(splits.exact << " of " << splits.tried << " windows ended exactly at the cut");
    CHECK(splits.exact * 2 > splits.tried);
}

TEST_CASE("escaped quotes and backslashes cut at every point") {
    // Strings that end in one, two or three backslashes (the last escaping the quote or not),
    // next to structural characters that must not be taken as the record's end.
    const std::vector<std::string> records = {
        R"({"a":"\\","b":"}\"]","c":"\\\"}","d":"x\\\\"})",
        R"({"k\"}":"v\\","e":["\\\\\"",{"f":"]\\"}]})",
        R"({"TimeSent":"\\\"\\"})",
    };
    const std::string body = page(records, R"("k\\":"\\\"value\"",)", R"(,"z\"]":"\\")");
    for (size_t at = 1; at < body.size(); ++at) {
        CAPTURE(at);
        auto r = read_page(body, split_at(at));
        CHECK(r.records == records);
        CHECK(r.keys.back() == "\\\"\\");
    }
    for (const auto &cut : every_piece_size()) {
        CAPTURE(cut_name(cut));
        CHECK(read_page(body, cut).records == records);
    }
}

TEST_CASE("a string ending in a backslash pair right at a piece boundary") {
    const std::string record = R"({"path":"C:\\dir\\","next":"\\"})";
    const std::string body = page({record, record});
    for (const std::string boundary : {R"(dir\)", R"(dir\\)", R"(dir\\")", R"(":"\)", R"(":"\\)"}) {
        CAPTURE(boundary);
        const size_t at = body.find(boundary) + std::string(boundary).size();
        CHECK(read_page(body, split_at(at)).records == std::vector<std::string>{record, record});
    }
}

TEST_CASE("multi-byte UTF-8 cut inside a character") {
    const std::string record = "{\"m\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xE6\x97\xA5\"}";  // é € 😀 日
    const std::string body = page({record, record}, "\"n\xC3\xA9\":\"\xF0\x9F\x98\x80\",");
    for (size_t at = 1; at < body.size(); ++at) {
        CAPTURE(at);
        CHECK(read_page(body, split_at(at)).records == std::vector<std::string>{record, record});
    }
}

TEST_CASE("a pretty-printed page: each record is one line in its compact form") {
    const std::string body = "{\n  \"@odata.count\" : 2,\n  \"value\" : [\n    {\n      \"Id\": 1,\n"
                             "      \"TimeSent\": \"2026-01-01T10:00:00Z\",\n      \"Message\": \"two  spaces, a tab\\t and: [x]\",\n"
                             "      \"Tags\": [\n        \"a\",\n        { \"b\" : [ ] }\n      ]\n    },\r\n    {\r\n"
                             "      \"Id\": 2,\r\n      \"TimeSent\": \"2026-01-01T10:00:01Z\"\r\n    }\n  ],\n"
                             "  \"@odata.nextLink\" : \"next\"\n}\n";
    const std::vector<std::string> compact = {
        R"({"Id":1,"TimeSent":"2026-01-01T10:00:00Z","Message":"two  spaces, a tab\t and: [x]","Tags":["a",{"b":[]}]})",
        R"({"Id":2,"TimeSent":"2026-01-01T10:00:01Z"})"};
    for (const auto &cut : every_piece_size()) {
        CAPTURE(cut_name(cut));
        auto r = read_page(body, cut);
        CHECK(r.records == compact);
        for (const auto &rec : r.records) CHECK(rec.find_first_of("\r\n") == std::string::npos);
        CHECK(r.keys == std::vector<std::string>{"2026-01-01T10:00:00Z", "2026-01-01T10:00:01Z"});
        CHECK(r.info.count == 2);
        CHECK(r.info.next_link == "next");
    }
}

TEST_CASE("line breaks in some network reads only: each record compact, wherever the reads were cut") {
    // The reader looks for line breaks once a network read: a read without one passes its
    // records as they are, one with one minifies the records that hold it.
    const std::string compact = R"({"Id":1,"TimeSent":"2026-01-01T10:00:00Z","Message":"a long compact record, no break"})";
    const std::string body = "{\"value\":[" + compact + "," + compact + ",\n  {\n \"Id\": 2\r\n  }," + compact + "]}";
    for (const auto &cut : every_piece_size()) {
        CAPTURE(cut_name(cut));
        CHECK(read_page(body, cut).records == std::vector<std::string>{compact, compact, R"({"Id":2})", compact});
    }
}

TEST_CASE("value spelled with an escape is still the records") {
    auto r = read_page(R"({"@odata.count":1,"\u0076alue":[{"a":1}]})", Cut{{3}, 0});
    CHECK(r.records == std::vector<std::string>{R"({"a":1})"});
    auto s = read_page(R"({"valu\u0065" : [{"a":2}]})", Cut{{1}, 0});
    CHECK(s.records == std::vector<std::string>{R"({"a":2})"});
}

TEST_CASE("a nested value array before the records is not the records") {
    const std::string body = R"({"meta":{"value":[{"not":"a record"}],"x":[[{"value":[]}]]},"list":[{"value":[1]}],)"
                             R"("s":"\"value\":[{}]","@odata.count":1,"value":[{"real":true}]})";
    for (const auto &cut : every_piece_size()) {
        CAPTURE(cut_name(cut));
        auto r = read_page(body, cut);
        CHECK(r.records == std::vector<std::string>{R"({"real":true})"});
        CHECK(r.info.count == 1);
    }
}

TEST_CASE("count after the records is still reported") {
    auto r = read_page(page({R"({"a":1})", R"({"a":2})"}, "", R"(,"@odata.count":2,"@odata.nextLink":"n")"), Cut{{3}, 0});
    CHECK(r.records.size() == 2);
    CHECK(r.info.count == 2);
    CHECK(r.info.next_link == "n");
    CHECK(r.events == std::vector<std::string>{"record", "record", "count 2"});
    // No count, no next link.
    auto s = read_page(page({R"({"a":1})"}));
    CHECK(!s.info.count);
    CHECK(s.info.next_link.empty());
    CHECK(s.events == std::vector<std::string>{"record"});
}

TEST_CASE("a negative or string count is rejected") {
    for (const std::string count : {"-1", "\"5\"", "1.5", "null", "9223372036854775808"}) {
        CAPTURE(count);
        for (bool after : {false, true}) {
            CAPTURE(after);
            const std::string c = std::string("\"@odata.count\":") + count;
            auto f = fail_page(after ? page({"{}"}, "", "," + c) : page({"{}"}, c + ","));
            CHECK(f.kind == Failed::api);
            CHECK(f.status == WFNODE_ERR_API);
            CHECK(contains(f.message, "reading chats: the server's page is not usable: its @odata.count is not a count"));
            if (!after) CHECK(f.records_before == 0);  // refused before any record is handed on
        }
    }
}

TEST_CASE("a record that is not an object") {
    for (const std::string record : {"1", "-2", "\"text\"", "[1]", "[]", "true", "null"}) {
        CAPTURE(record);
        auto f = fail_page(page({"{}", record}));
        CHECK(f.kind == Failed::api);
        CHECK(f.status == WFNODE_ERR_API);
        CHECK(f.http_status == 200);
        CHECK(contains(f.message, "reading chats: the server's page is not usable: a record in \"value\" is not a JSON object"));
    }
}

TEST_CASE("record nesting: 64 levels pass and 65 are refused") {
    auto nest = [](int levels) {  // objects and arrays in turn, `levels` deep in all
        std::string open, close;
        for (int i = 0; i < levels; ++i) {
            const bool object = i % 2 == 0;
            open += object ? (i + 1 < levels ? "{\"a\":" : "{") : "[";
            close = (object ? "}" : "]") + close;
        }
        return open + close;
    };
    const std::string ok = nest(64);
    for (const auto &cut : every_piece_size()) {
        CAPTURE(cut_name(cut));
        CHECK(read_page(page({ok, "{}"}), cut).records == std::vector<std::string>{ok, "{}"});
        auto f = fail_page(page({"{}", nest(65)}), cut);
        CHECK(f.kind == Failed::api);
        CHECK(contains(f.message, "the server's page is not usable: a record is nested deeper than 64 levels"));
        CHECK(f.records_before == 1);
    }
    // Brackets inside strings are not nesting.
    const std::string strings = "{\"a\":\"" + std::string(100, '{') + std::string(100, '[') + "\"}";
    CHECK(read_page(page({strings})).records == std::vector<std::string>{strings});
}

TEST_CASE("invalid JSON inside a record is worth another try") {
    // A raw NUL in a string or key too: the reader looks for a NUL in decoded strings only where
    // the text holds \u0000, which holds because such a byte is refused here.
    for (const std::string &record : {std::string(R"({"a":tru})"), std::string(R"({"a" 1})"), std::string("{\"a\":\"x\x01y\"}"),
                                     std::string("{\"a\":\"\xFF\"}"), std::string(R"({"a":1,})"), std::string(R"({"a":01})"),
                                     std::string(R"({"a":"\x"})"), std::string(R"({"a":[1}])"), std::string(R"({"a":"\ud800"})"),
                                     std::string("{\"a\":\"x\0y\"}", 11), std::string("{\"a\0\":1}", 9)}) {
        CAPTURE(record);
        for (const auto &cut : {Cut{{4096}, 0}, Cut{{1}, 0}}) {
            auto f = fail_page(page({R"({"ok":1})", record, R"({"ok":2})"}), cut);
            CHECK(f.kind == Failed::retryable);
            CHECK(f.status == WFNODE_ERR_API);
            CHECK(f.http_status == 200);
            CHECK(contains(f.message, "reading chats: the server's answer is not valid JSON: "));
            CHECK(f.records_before == 1);
        }
    }
}

TEST_CASE("a body cut short inside the array") {
    const std::string whole = page({R"({"a":"b\"c"})", R"({"a":[1,2]})"}, R"("@odata.count":2,)");
    const size_t records_at = whole.find('[') + 1;
    for (size_t end = records_at; end < whole.size() - 2; ++end) {  // up to the array's ']'
        CAPTURE(whole.substr(0, end));
        auto f = fail_page(whole.substr(0, end), Cut{{3}, 0});
        CHECK(f.kind == Failed::retryable);
        CHECK(contains(f.message, "reading chats: the server's answer is not valid JSON: the answer ends inside the \"value\" array"));
    }
    // Cut before the records or after them.
    for (size_t end : {size_t{1}, records_at - 1, whole.size() - 1}) {
        CAPTURE(whole.substr(0, end));
        auto f = fail_page(whole.substr(0, end));
        CHECK(f.kind == Failed::retryable);
        CHECK(contains(f.message, "reading chats: the server's answer is not valid JSON"));
    }
}

TEST_CASE("trailing garbage after the page") {
    for (const std::string tail : {"x", "{}", "]", ",", "\"", "\x01"}) {
        CAPTURE(tail);
        auto f = fail_page(page({"{}"}) + tail);
        CHECK(f.kind == Failed::retryable);
        CHECK(contains(f.message, "reading chats: the server's answer is not valid JSON"));
    }
    // White space after it is fine.
    CHECK(read_page(page({"{}"}) + " \r\n\t\n").records == std::vector<std::string>{"{}"});
}

TEST_CASE("duplicate value keys are refused") {
    for (const std::string &body : {std::string(R"({"value":[{"a":1}],"value":[{"b":2}]})"),
                                    std::string(R"({"value":[{"a":1}],"\u0076alue":[]})"),
                                    std::string(R"({"value":1,"value":[{"b":2}]})"),
                                    std::string(R"({"@odata.count":1,"@odata.count":1,"value":[{"a":1}]})")}) {
        CAPTURE(body);
        auto f = fail_page(body);
        CHECK(f.kind != Failed::no);
        CHECK(f.status == WFNODE_ERR_API);
        CHECK(contains(f.message, "reading chats: the server's"));
        CHECK(contains(f.message, "duplicate"));
    }
}

TEST_CASE("inside a record: a key twice in one object, in any spelling, or a NUL character is refused") {
    // The records pass as the server's bytes; which of two "TimeSent"s a reader takes differs
    // between readers, so the page is refused as a whole policy would refuse it.
    std::string many_keys = "{";
    for (int i = 0; i < 30; ++i) many_keys += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    const std::vector<std::pair<std::string, std::string>> cases{
        {R"({"TimeSent":"2020-01-01T00:00:00Z","TimeSent":"2030-01-01T00:00:00Z"})", R"(duplicate key "TimeSent")"},
        {R"({"Id":1,"\u0049d":2})", R"(duplicate key "Id")"},
        {R"({"Id":1,"Participants":[{"Name":"A","Name":"B"}]})", R"(duplicate key "Name")"},
        {R"({"Id":1,"Inner":{"a":{"b":1,"b":2}}})", R"(duplicate key "b")"},
        {many_keys + R"("k17":1})", R"(duplicate key "k17")"},
        {R"({"Message":"a\u0000b"})", "NUL character"},
        {R"({"a\u0000":1})", "NUL character"},
        {R"({"List":["x","\u0000"]})", "NUL character"},
    };
    for (const auto &[record, why] : cases) {
        CAPTURE(record);
        auto f = fail_page(page({R"({"Id":0})", record}));
        CHECK(f.kind == Failed::api);
        CHECK(f.status == WFNODE_ERR_API);
        CHECK(f.records_before == 1);
        CHECK(contains(f.message, "reading chats: the server's page is not usable: a record"));
        CHECK(contains(f.message, why));
    }
    // The same key in different objects, and 30 distinct keys, are no duplicates.
    const std::vector<std::string> fine{R"({"Name":"x","Participants":[{"Name":"A"},{"Name":"B"}],"Inner":{"Name":1}})",
                                        many_keys + R"("k30":30})", R"({"Message":"\\u0000 is spelled, not sent"})"};
    CHECK(read_page(page(fine)).records == fine);
}

TEST_CASE("inside a record: a record after one with the same keys is checked as closely") {
    // The reader remembers the keys of the last record proven and takes a record with those
    // keys again, in that order, as proven: each shape below follows such a record.
    std::string thirty = "{";
    for (int i = 0; i < 30; ++i) thirty += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    const std::string proven_thirty = thirty + R"("k30":30})";
    const std::vector<std::tuple<std::string, std::string, std::string>> cases{
        {R"({"Id":0,"TimeSent":"a"})", R"({"Id":1,"TimeSent":"b","Id":2})", R"(duplicate key "Id")"},
        {R"({"Id":0,"TimeSent":"a"})", R"({"Id":1,"\u0049d":2})", R"(duplicate key "Id")"},
        {R"({"Id":0,"Inner":{"a":1}})", R"({"Id":1,"Inner":{"a":1,"a":2}})", R"(duplicate key "a")"},
        {proven_thirty, thirty + R"("k30":30,"k3":3})", R"(duplicate key "k3")"},
        {R"({"Id":0,"Message":"a"})", R"({"Id":1,"Message":"\u0000"})", "NUL character"},
        // Keys of one length (a cache of views into the parser's buffer would see the new
        // record's keys in the old places), and keys that run together without a separator.
        {R"({"a":0,"b":0})", R"({"a":1,"a":2})", R"(duplicate key "a")"},
        {R"({"kk":0})", R"({"k":1,"k":2})", R"(duplicate key "k")"},
    };
    for (const auto &[before, record, why] : cases) {
        CAPTURE(record);
        auto f = fail_page(page({before, before, record}));
        CHECK(f.kind == Failed::api);
        CHECK(f.status == WFNODE_ERR_API);
        CHECK(f.records_before == 2);
        CHECK(contains(f.message, why));
    }
    // The same keys, in another order or spelled with escapes, are the same record shape.
    const std::vector<std::string> fine{R"({"Id":0,"Name":"a"})", R"({"Id":1,"Name":"b"})", R"({"Name":"c","Id":2})",
                                        R"({"\u0049d":3,"Name":"d"})", proven_thirty, proven_thirty};
    CHECK(read_page(page(fine)).records == fine);
}

TEST_CASE("a number beyond 64-bit integers and doubles is a clear error and never a changed number") {
    // Valid JSON that arrived intact: asking again brings the same number, and passing it on
    // would hand a user a rounded one.
    for (const std::string number : {"123456789012345678901234567890", "18446744073709551616", "-9223372036854775809", "1e400",
                                     "-1.5e999"}) {
        CAPTURE(number);
        auto f = fail_page(page({R"({"a":1})", std::string(R"({"Id":)") + number + "}"}));
        CHECK(f.kind == Failed::api);  // asking again brings the same number: not worth a retry
        CHECK(f.status == WFNODE_ERR_API);
        CHECK(contains(f.message, "reading chats: the server's page is not usable: a record holds a number beyond "));
    }
    // The largest that fit pass exactly as written, and so do digits beyond a double's precision.
    const std::vector<std::string> edges = {R"({"u":18446744073709551615,"i":-9223372036854775808,"d":1.7976931348623157e308})",
                                            R"({"pi":3.14159265358979323846264338327950288,"tiny":1e-400,"z":-0.0})"};
    CHECK(read_page(page(edges)).records == edges);
}

TEST_CASE("an empty value array and white space between the records") {
    for (const std::string records : {"[]", "[ ]", "[\r\n\t ]"}) {
        CAPTURE(records);
        auto r = read_page(std::string(R"({"@odata.count":0,"value":)") + records + R"(,"@odata.nextLink":"n"})", Cut{{1}, 0});
        CHECK(r.records.empty());
        CHECK(r.info.records == 0);
        CHECK(r.info.count == 0);
        CHECK(r.info.next_link == "n");
        CHECK(r.events == std::vector<std::string>{"count 0"});
    }
    auto r = read_page("{ \"value\" :\n[ \t{\"a\":1}\r\n ,\n\t{\"b\":2} \n] }", Cut{{1}, 0});
    CHECK(r.records == std::vector<std::string>{R"({"a":1})", R"({"b":2})"});
}

TEST_CASE("a page without a value array") {
    for (const std::string body : {R"({"@odata.count":3})", "{}", R"({"value":{"a":[{}]}})", R"({"value":null})", R"({"values":[{}]})",
                             R"({"meta":{"value":[{}]}})"}) {
        CAPTURE(body);
        for (const auto &cut : every_piece_size()) {
            auto f = fail_page(body, cut);
            CHECK(f.kind == Failed::api);
            CHECK(f.status == WFNODE_ERR_API);
            CHECK(f.http_status == 200);
            CHECK(f.message == "reading chats: the server's answer is not an OData collection (no \"value\" array)");
        }
    }
    // JSON that is not an object at all.
    for (const std::string body : {"[{}]", "\"value\"", "42"}) {
        CAPTURE(body);
        auto f = fail_page(body);
        CHECK(f.kind == Failed::api);
        CHECK(f.message == "reading chats: the server's page is not usable: it is not a JSON object");
    }
}

TEST_CASE("commas out of place in the array") {
    for (const std::string records : {"[,{}]", "[{},]", "[{},,{}]", "[{}{}]", "[{} {}]", "[,]"}) {
        CAPTURE(records);
        for (const auto &cut : {Cut{{4096}, 0}, Cut{{1}, 0}}) {
            auto f = fail_page(std::string(R"({"value":)") + records + "}", cut);
            CHECK(f.kind == Failed::retryable);
            CHECK(f.status == WFNODE_ERR_API);
            CHECK(contains(f.message, "reading chats: the server's answer is not valid JSON: unexpected "));
        }
    }
}

TEST_CASE("a stray byte where a record should begin is garbled JSON") {
    // A NUL or other byte that cannot begin any JSON value: a page garbled on the way, not a
    // record of the wrong type. The message quotes it without breaking UTF-8.
    for (const std::string &stray : {std::string(1, '\0'), std::string("x"), std::string("\xFF"), std::string("\xC3\xA9")}) {
        CAPTURE(static_cast<int>(static_cast<unsigned char>(stray[0])));
        auto f = fail_page(R"({"value":[{},)" + stray + "{}]}");
        CHECK(f.kind == Failed::retryable);
        CHECK(contains(f.message, "reading chats: the server's answer is not valid JSON: unexpected "));
        CHECK(valid_utf8(f.message));
    }
}

TEST_CASE("a record larger than 16 MiB is refused") {
    const std::string big = R"({"a":")" + std::string((16u << 20) + 10, 'x') + "\"}";
    auto f = fail_page(page({"{}", big}), Cut{{65536}, 0});
    CHECK(f.kind == Failed::api);
    CHECK(contains(f.message, "reading chats: the server's page is not usable: a record is larger than 16 MiB"));
    CHECK(f.records_before == 1);
}

TEST_CASE("closing braces or spaces that tempt the quick guess of a record's end still meet the 16 MiB limit") {
    // Every network read ends in a '}' inside a string, or a '}' is followed by a long run of
    // spaces: the guess waits to see what follows, and must neither grow past the limit nor
    // read the same bytes again for every read.
    for (char fill : {'}', ' '}) {
        CAPTURE(fill);
        const std::string big = R"({"a":"x})" + std::string((16u << 20) + 10, fill) + "\"}";
        auto f = fail_page(page({"{}", big}), Cut{{4096}, 0});
        CHECK(f.kind == Failed::api);
        CHECK(contains(f.message, "a record is larger than 16 MiB"));
    }
}

TEST_CASE("a 20 MiB page of many records is read in one pass") {
    // Larger than one record may be (16 MiB). Under the sanitizers the in-process server
    // writes it 64 KiB at a time: its 4 KiB writes cost most of the case's time there.
#ifdef WFNODE_SANITIZED
    const Cut writes{{65536}, 0};
#else
    const Cut writes{{4096}, 0};
#endif
    constexpr size_t page_bytes = 20u << 20;
    std::vector<std::string> records;
    std::string body = R"({"@odata.count":123,"value":[)";
    for (int i = 0; body.size() < page_bytes; ++i) {
        records.push_back(R"({"Id":)" + std::to_string(i) + R"(,"TimeSent":"2026-01-01T00:00:00Z","Message":"record \"number\" )" +
                          std::to_string(i) + R"( \\ Grüße","Participants":[{"Name":"A"},{"Name":"B"}]})");
        body += (i ? "," : "") + records.back();
    }
    body += R"(],"@odata.nextLink":"next"})";
    const auto started = std::chrono::steady_clock::now();
    size_t seen = 0, mismatched = 0;
    {
        auto &server = Server::get();
        http::Lease lease(server.origin(), true);
        http::Request request;
        request.url = server.url(body, writes);
        http::Exchange response(lease, nullptr);
        response.send(request);
        auto info = read_collection(
            response,
            [&](const Record &r) {
                if (seen >= records.size() || r.json != records[seen]) ++mismatched;
                ++seen;
            },
            nullptr, "reading chats", "TimeSent");
        CHECK(info.records == records.size());
        CHECK(info.count == 123);
        CHECK(info.next_link == "next");
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    MESSAGE(records.size() << " records, " << body.size() << " bytes in " << seconds << " s");
    CHECK(seen == records.size());
    CHECK(mismatched == 0);
    // How fast is bench/'s to measure (the page scan table), not a test's.
}
