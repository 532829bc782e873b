#include "xapi/collection_reader.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <wfcommon/json_policy.hpp>
#include <wfplugin/byte_search.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>
#include <wfplugin/retry.hpp>

#include <algorithm>
#include <cstring>
#include <new>
#include <optional>
#include <vector>

namespace threecx::xapi {
namespace {

using wfplugin::NodeError;
namespace json = wfplugin::json;
constexpr size_t npos = std::string_view::npos;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The first '"' or '\\' at or after `at` (w.size() when none): eight bytes at a time, since
// most of a record's bytes are inside its strings.
size_t quote_or_backslash(std::string_view w, size_t at) {
    constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    auto zero_byte = [](uint64_t v) { return (v - ones) & ~v & highs; };
    for (; at + 8 <= w.size(); at += 8) {
        uint64_t word;
        std::memcpy(&word, w.data() + at, 8);
        if (zero_byte(word ^ (ones * '"')) | zero_byte(word ^ (ones * '\\'))) break;  // one of these eight: the loop below
    }
    while (at < w.size() && w[at] != '"' && w[at] != '\\') ++at;
    return at;
}

// Follows a JSON string from `at`, inside it: past its closing quote, or npos when the window
// ends first, `at` then being where to go on (a backslash cut from what it escapes is read
// again with it).
size_t string_end(std::string_view w, size_t &at) {
    for (;;) {
        at = quote_or_backslash(w, at);
        if (at >= w.size()) return npos;
        if (w[at] == '"') return ++at;
        if (at + 1 >= w.size()) return npos;
        at += 2;  // the backslash and what it escapes
    }
}

// Where the records of a page begin: past the '[' of its top-level "value" array. npos while
// the window ends first; `whole` when the page ended without one.
constexpr size_t whole = npos - 1;

bool names_value(std::string_view raw_key) {
    if (raw_key == "\"value\"") return true;
    if (raw_key.find('\\') == npos) return false;
    rapidjson::Document key;  // an escaped spelling of "value"
    key.Parse(raw_key.data(), raw_key.size());
    return !key.HasParseError() && key.IsString() && std::string_view(key.GetString(), key.GetStringLength()) == "value";
}

size_t find_records(std::string_view w) {
    int depth = 0;
    bool key_next = false, value_next = false;
    std::string_view key;
    for (size_t i = 0; i < w.size(); ++i) {
        const char c = w[i];
        if (c == '"') {
            size_t at = i + 1;
            const size_t end = string_end(w, at);
            if (end == npos) return npos;
            if (depth == 1 && key_next) key = w.substr(i, end - i), key_next = false;
            else value_next = false;
            i = end - 1;
        } else if (c == '[' && depth == 1 && value_next && names_value(key)) {
            return i + 1;
        } else if (c == '{' || c == '[') {
            key_next = ++depth == 1 && c == '{';
            value_next = false;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) return whole;
        } else if (c == ',' && depth == 1) {
            key_next = true;
        } else if (c == ':' && depth == 1) {
            value_next = true;
        } else if (!is_space(c)) {
            value_next = false;
        }
    }
    return npos;
}

// Scans one record from its '{' at w[0], across windows: the state says where it stopped.
struct RecordScan {
    size_t pos = 0;
    int depth = 0;
    bool in_string = false;
    bool guessing = true;  // still trying the cheap way (see PageReader::record_end)
};

class PageReader {
public:
    PageReader(http::Exchange &body, const RecordSink &on_record, const std::function<void(int64_t)> &on_count,
               const std::string &what, std::string_view key_member)
        : body_(body), on_record_(on_record), on_count_(on_count), what_(what), key_member_(key_member) {
        // simdjson enforces the depth limit itself: a record of 64 levels passes, 65 do not.
        if (parser_.allocate(64 * 1024, Limits::max_record_depth) != simdjson::SUCCESS) throw std::bad_alloc();
    }

    PageInfo read() {
        read_head();
        if (in_records_) read_records();
        read_tail();
        read_envelope(envelope_, true);
        return info_;
    }

private:
    using Limits = CollectionLimits;

    // The page up to its records: kept whole in the window until the "value" array opens.
    void read_head() {
        for (;;) {
            auto w = body_.window();
            const size_t at = find_records(w);
            if (at == whole || at == npos) {
                if (w.size() > Limits::max_envelope_bytes)
                    throw broken(fmt::format("it holds more than {} KiB before its records", Limits::max_envelope_bytes >> 10));
                if (at == npos && body_.read_more()) continue;
                return;  // the whole body is the envelope: read_envelope says what is wrong with it
            }
            envelope_.assign(w.substr(0, at));
            body_.consume(at);
            in_records_ = true;
            read_envelope(envelope_ + "]}", false);  // @odata.count, before the first record
            return;
        }
    }

    void read_records() {
        enum class Expect { first, next, separator } expect = Expect::first;  // after '[', ',', a record
        RecordScan scan;
        size_t record_at = npos;  // where the record being scanned begins, in the window
        size_t kept = 0;          // the window's bytes already looked at: the record it cut
        for (;;) {
            body_.pad(simdjson::SIMDJSON_PADDING);
            const auto w = body_.window();
            // Once a network read, over the bytes it brought, not once a record: a compact
            // page (every OData writer's) has no line break anywhere, so no record of this
            // window needs minifying. (What was kept is not looked at again: a record of
            // 16 MiB arriving in small reads made that quadratic.)
            const auto fresh = w.substr(kept);
            line_breaks_ = (kept && line_breaks_) || std::memchr(fresh.data(), '\n', fresh.size()) ||
                           std::memchr(fresh.data(), '\r', fresh.size());
            size_t i = 0;
            if (record_at != npos) i = record_at;  // a record cut by the window's end: go on with it
            while (i < w.size()) {
                if (record_at == npos) {
                    const char c = w[i];
                    if (is_space(c)) {
                        ++i;
                        continue;
                    }
                    if (c == ',' && expect == Expect::separator) {
                        expect = Expect::next, ++i;
                        continue;
                    }
                    if (c == ']' && expect != Expect::next) {
                        body_.consume(i);
                        return;
                    }
                    if (c != '{' || expect == Expect::separator) {
                        if (expect != Expect::separator && std::string_view("\"-0123456789tfn[").find(c) != npos)
                            throw broken("a record in \"value\" is not a JSON object");
                        // The byte by its value: one byte of a UTF-8 sequence is not text.
                        throw invalid(fmt::format("unexpected byte 0x{:02X}", static_cast<unsigned char>(c)), i);
                    }
                    record_at = i;
                    scan = RecordScan{};
                }
                const auto rest = w.substr(record_at);
                const size_t end = record_end(rest, scan);
                if (end == npos) break;
                hand_on(rest.substr(0, end), record_at, validated_);
                i = record_at + end;
                record_at = npos;
                expect = Expect::separator;
            }
            // Keep the record the window cut (its scan goes on where it stopped), drop the rest.
            body_.consume(record_at == npos ? w.size() : record_at);
            kept = record_at == npos ? 0 : w.size() - record_at;
            if (record_at != npos) record_at = 0;
            if (!body_.read_more()) throw invalid("the answer ends inside the \"value\" array", w.size());
        }
    }

    // Where the record at w[0] ends (past its '}'), or npos when the window ends first.
    //
    // The cheap way first: the first '}' followed by a ',' or the array's ']' is taken as the
    // end, and simdjson (which has to read the record anyway) proves it. A wrong guess cannot
    // pass: a '}' inside a string leaves that string open, a nested one leaves the record
    // open, and either way the text is not JSON. Only then, the scan below, which follows the
    // strings and the depth byte by byte. `validated_` holds simdjson's verdict on the end
    // returned.
    size_t record_end(std::string_view w, RecordScan &s) {
        // Past the size limit, or after a long run of whitespace (looked at again on every
        // read, which a hostile server could make quadratic), the scan takes over.
        constexpr size_t long_space = 4096;
        while (s.guessing && s.pos <= Limits::max_record_bytes) {
            const void *found = std::memchr(w.data() + s.pos, '}', w.size() - s.pos);
            if (!found) {
                s.pos = w.size();
                if (s.pos > Limits::max_record_bytes) break;  // the scan says why
                return npos;
            }
            const size_t end = static_cast<size_t>(static_cast<const char *>(found) - w.data()) + 1;
            size_t next = end;
            while (next < w.size() && next - end < long_space && is_space(w[next])) ++next;
            if (next - end >= long_space) break;
            if (next == w.size()) {
                if (w.size() > Limits::max_record_bytes) break;
                s.pos = end - 1;  // what follows the '}' has not arrived: look at it again then
                return npos;
            }
            if (w[next] != ',' && w[next] != ']') {
                s.pos = end;
                continue;
            }
            validated_ = validate(w.substr(0, end));
            if (validated_ == simdjson::SUCCESS) return end;
            s = RecordScan{0, 0, false, false};  // not the end, or not JSON: the scan decides
        }
        if (s.guessing) s = RecordScan{0, 0, false, false};
        const size_t end = scan_record(w, s);
        if (end != npos) validated_ = validate(w.substr(0, end));
        return end;
    }

    simdjson::error_code validate(std::string_view record) {
        return parser_.parse(record.data(), record.size(), false).get(doc_);
    }

    // Returns the end of the record (past its '}') or npos when the window ends first.
    size_t scan_record(std::string_view w, RecordScan &s) {
        size_t i = s.pos;
        while (i < w.size()) {
            if (s.in_string) {
                if (string_end(w, i) == npos) break;
                s.in_string = false;
                continue;
            }
            const char c = w[i++];
            if (c == '"') {
                s.in_string = true;
            } else if (c == '{' || c == '[') {
                if (++s.depth > Limits::max_record_depth)
                    throw broken(fmt::format("a record is nested deeper than {} levels", Limits::max_record_depth));
            } else if ((c == '}' || c == ']') && --s.depth == 0) {
                if (i > Limits::max_record_bytes) break;
                return i;
            }
        }
        if (i > Limits::max_record_bytes)
            throw broken(fmt::format("a record is larger than {} MiB", Limits::max_record_bytes >> 20));
        s.pos = std::min(i, w.size());
        return npos;
    }

    // The scan found where the record ends; simdjson says whether it is JSON, in place (the
    // window keeps the padding it reads ahead into).
    void hand_on(std::string_view record, size_t at, simdjson::error_code error) {
        if (record.size() > Limits::max_record_bytes)
            throw broken(fmt::format("a record is larger than {} MiB", Limits::max_record_bytes >> 20));
        if (error == simdjson::DEPTH_ERROR)
            throw broken(fmt::format("a record is nested deeper than {} levels", Limits::max_record_depth));
        if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
            // JSON allows any number of digits; simdjson stops at 64-bit integers and doubles.
            // Such a number arrived intact, so asking again would not help.
            rapidjson::Reader grammar;
            const std::string copy(record);
            rapidjson::StringStream text(copy.c_str());
            rapidjson::BaseReaderHandler<> ignore;
            auto read = grammar.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag |
                                      rapidjson::kParseIterativeFlag>(text, ignore);
            if (!read.IsError() || read.Code() == rapidjson::kParseErrorNumberTooBig)  // 1e400: JSON, yet no double
                throw broken("a record holds a number beyond 64-bit integers and doubles, which the export cannot "
                             "pass on exactly");
        }
        if (error) throw invalid(simdjson::error_message(error), at);
        const simdjson::dom::element &doc = doc_;
        if (auto why = policy_violation(doc, record)) throw broken(*why);
        Record r{record, {}};
        if (!key_member_.empty()) {
            std::string_view key;
            if (doc[key_member_].get_string().get(key) == simdjson::SUCCESS) r.key = key;
        }
        // A pretty-printed page has line breaks between a record's tokens (never inside its
        // strings): output items are one line each.
        if (line_breaks_ &&
            (std::memchr(record.data(), '\n', record.size()) || std::memchr(record.data(), '\r', record.size()))) {
            line_.resize(record.size());
            size_t length = 0;
            if (simdjson::minify(record.data(), record.size(), line_.data(), length) != simdjson::SUCCESS)
                throw invalid("a record cannot be minified", at);
            r.json = std::string_view(line_.data(), length);
        }
        ++info_.records;
        on_record_(r);
    }

    // The rest of the JSON policy, which simdjson's grammar does not check: no key twice in
    // one object (as decoded, so "a" and "\u0061" are one key: which of two a reader takes
    // differs between readers) and no NUL character in a key or string. A server sending
    // either is broken, not garbled on the way: asking again would not help.
    //
    // Both looks are cheap on the common record. simdjson refuses a control character written
    // raw inside a string, so a NUL can only arrive as the escape \u0000: strings are searched
    // for one only in a record whose text holds that escape. And the records of a collection
    // share their keys, in one order: a record whose keys are those of the last one proven
    // is proven too, by one comparison a key instead of one a pair of keys.
    std::optional<std::string> policy_violation(simdjson::dom::element record, std::string_view text) {
        const bool nul_possible = wfplugin::contains(text, "\\u0000");
        pending_.assign(1, record);
        bool top = true;  // the record itself, the first object looked at
        while (!pending_.empty()) {
            const simdjson::dom::element e = pending_.back();
            pending_.pop_back();
            auto look_into = [this, nul_possible](simdjson::dom::element v) -> bool {  // false: a string holding a NUL
                std::string_view string;
                if (v.is_object() || v.is_array()) pending_.push_back(v);
                else if (nul_possible && v.get_string().get(string) == simdjson::SUCCESS)
                    return std::memchr(string.data(), 0, string.size()) == nullptr;
                return true;
            };
            simdjson::dom::array array;
            if (e.get_array().get(array) == simdjson::SUCCESS) {
                for (simdjson::dom::element v : array)
                    if (!look_into(v)) return nul_in_string;
                continue;
            }
            simdjson::dom::object object;
            if (e.get_object().get(object) != simdjson::SUCCESS) continue;  // only objects and arrays are pending
            keys_.clear();
            for (simdjson::dom::key_value_pair field : object) {
                if (nul_possible && std::memchr(field.key.data(), 0, field.key.size())) return nul_in_string;
                keys_.push_back(field.key);
                if (!look_into(field.value)) return nul_in_string;
            }
            const bool known = top && same_keys(keys_, proven_keys_);
            if (!known)
                if (auto twice = duplicate(keys_)) return fmt::format("a record has a duplicate key {}", wfcommon::json::excerpt(*twice));
            if (top && !known) remember(keys_, proven_keys_);
            top = false;
        }
        return std::nullopt;
    }
    static constexpr const char *nul_in_string = "a record holds a NUL character (\\u0000) in a key or string";

    // The keys of a record proven to hold none twice, in their order, each ended by a NUL
    // (which no key holds): what same_keys compares a record's keys with.
    static void remember(const std::vector<std::string_view> &keys, std::string &proven) {
        proven.clear();
        for (auto key : keys) proven.append(key).push_back('\0');
    }
    static bool same_keys(const std::vector<std::string_view> &keys, std::string_view proven) {
        size_t at = 0;
        for (auto key : keys) {
            if (proven.size() - at < key.size() + 1 || proven.compare(at, key.size(), key) != 0 || proven[at + key.size()] != '\0')
                return false;
            at += key.size() + 1;
        }
        return at == proven.size() && !keys.empty();
    }

    // A key found twice among an object's keys (reordered), if any: a chat record has a dozen
    // keys, for which comparing each pair beats sorting.
    static std::optional<std::string_view> duplicate(const std::vector<std::string_view> &keys) {
        if (keys.size() <= 16) {
            for (size_t i = 1; i < keys.size(); ++i)
                for (size_t j = 0; j < i; ++j)
                    if (keys[i] == keys[j]) return keys[i];
            return std::nullopt;
        }
        std::vector<std::string_view> sorted(keys);  // in their order still, for remember()
        std::sort(sorted.begin(), sorted.end());
        const auto at = std::adjacent_find(sorted.begin(), sorted.end());
        if (at == sorted.end()) return std::nullopt;
        return *at;
    }

    // After the records: the rest of the page, which is small, joins the envelope.
    void read_tail() {
        do {
            auto w = body_.window();
            if (envelope_.size() + w.size() > Limits::max_envelope_bytes)
                throw broken(fmt::format("it holds more than {} KiB besides its records", Limits::max_envelope_bytes >> 10));
            envelope_.append(w);
            body_.consume(w.size());
        } while (body_.read_more());
    }

    // The page without its records, read by the plugin's one JSON policy (no duplicate key,
    // bounded depth, valid UTF-8). `final`: the whole of it, which must hold "value".
    void read_envelope(const std::string &text, bool final) {
        rapidjson::Document page;
        try {
            page = json::parse(text, "the page");
        } catch (const NodeError &e) {
            throw invalid(e.what(), npos);
        }
        if (!page.IsObject()) throw broken("it is not a JSON object");
        if (auto *count = json::find(page, "@odata.count")) {
            if (!count->IsInt64() || count->GetInt64() < 0) throw broken("its @odata.count is not a count");
            if (!info_.count) {
                info_.count = count->GetInt64();
                if (on_count_) on_count_(*info_.count);
            }
        }
        if (!final) return;
        auto *value = json::find(page, "value");
        if (!value || !value->IsArray() || !in_records_)
            throw NodeError(WFNODE_ERR_API, fmt::format("{}: the server's answer is not an OData collection (no \"value\" array)", what_),
                            {}, static_cast<int>(body_.status()));
        if (auto *next = json::find(page, "@odata.nextLink")) {
            if (!next->IsString()) throw broken("its @odata.nextLink is not a string");
            info_.next_link.assign(next->GetString(), next->GetStringLength());
        }
    }

    // A page that is JSON but not a usable collection page: asking again would not help.
    NodeError broken(const std::string &why) const {
        return NodeError(WFNODE_ERR_API, fmt::format("{}: the server's page is not usable: {}", what_, why), {},
                         static_cast<int>(body_.status()));
    }
    // A page cut short or garbled on the way is worth asking for again.
    http::RetryableFailure invalid(const std::string &why, size_t at) const {
        const std::string where = at == npos ? "" : fmt::format(" at byte {}", body_.consumed() + at);
        NodeError error(WFNODE_ERR_API, fmt::format("{}: the server's answer is not valid JSON: {}{}", what_, why, where), {},
                        static_cast<int>(body_.status()));
        return http::RetryableFailure{std::make_exception_ptr(error), false, std::nullopt, "the answer is not valid JSON"};
    }

    http::Exchange &body_;
    const RecordSink &on_record_;
    const std::function<void(int64_t)> &on_count_;
    const std::string &what_;
    std::string key_member_;
    simdjson::dom::parser parser_;
    simdjson::dom::element doc_;  // the record validate() read last
    simdjson::error_code validated_ = simdjson::SUCCESS;
    std::vector<simdjson::dom::element> pending_;  // policy_violation's objects and arrays still to look into
    std::vector<std::string_view> keys_;           // and the keys of the object it looks at
    std::string proven_keys_;                      // the top-level keys of the last record found without one twice (remember)
    std::string envelope_;  // the page without its records
    std::string line_;      // a record with its line breaks taken out
    bool line_breaks_ = false;  // the window holds a line break (somewhere)
    PageInfo info_;
    bool in_records_ = false;
};

}  // namespace

PageInfo read_collection(http::Exchange &body, const RecordSink &on_record, const std::function<void(int64_t)> &on_count,
                         const std::string &what, std::string_view key_member) {
    return PageReader(body, on_record, on_count, what, key_member).read();
}

}  // namespace threecx::xapi
