#include "xapi/collection_reader.hpp"

#include <fmt/format.h>
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <wfplugin/node_error.hpp>
#include <wfplugin/retry.hpp>

#include <exception>

namespace threecx::xapi {
namespace {

using wfplugin::NodeError;

// Levels: 1 = the page object, 2 = the "value" array, 3 = a record, deeper = inside one.
class PageHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, PageHandler> {
public:
    PageHandler(const RecordSink &on_record, const std::function<void(int64_t)> &on_count, PageInfo &info)
        : on_record_(on_record), on_count_(on_count), info_(info), writer_(buffer_) {}

    std::exception_ptr failure;
    std::string broken;      // what the page got wrong, when the handler stopped the parse
    bool saw_value = false;  // the page had a top-level "value" array

    bool Null() { return scalar() && (in_record() ? writer_.Null() : true); }
    bool Bool(bool b) { return scalar() && (in_record() ? writer_.Bool(b) : true); }
    bool RawNumber(const char *s, rapidjson::SizeType n, bool) {
        if (!scalar()) return false;
        if (in_record()) return writer_.RawValue(s, n, rapidjson::kNumberType);
        if (level_ == 1 && key_ == "@odata.count") {
            info_.count = std::strtoll(std::string(s, n).c_str(), nullptr, 10);
            return guarded([&] { if (on_count_) on_count_(*info_.count); });
        }
        return true;
    }
    bool String(const char *s, rapidjson::SizeType n, bool) {
        if (!scalar()) return false;
        if (in_record()) return writer_.String(s, n) && small_enough();
        if (level_ == 1 && key_ == "@odata.nextLink") info_.next_link.assign(s, n);
        return true;
    }
    bool Key(const char *s, rapidjson::SizeType n, bool) {
        if (in_record()) return writer_.Key(s, n) && small_enough();
        if (level_ == 1) key_.assign(s, n);
        return true;
    }
    bool StartObject() {
        if (++level_ > max_level) return stop(fmt::format("a record is nested deeper than {} levels", max_level - 2));
        if (in_value_ && level_ == 3) {
            buffer_.Clear();
            writer_.Reset(buffer_);
        }
        return in_record() ? writer_.StartObject() : true;
    }
    bool EndObject(rapidjson::SizeType) {
        bool ok = true;
        if (in_record()) ok = writer_.EndObject();
        if (in_value_ && level_ == 3) {
            ++info_.records;
            ok = guarded([&] { on_record_({buffer_.GetString(), buffer_.GetSize()}); });
        }
        --level_;
        return ok;
    }
    bool StartArray() {
        if (++level_ > max_level) return stop(fmt::format("a record is nested deeper than {} levels", max_level - 2));
        if (in_value_ && level_ == 3) return stop("a record in \"value\" is an array, not a JSON object");
        if (level_ == 2 && key_ == "value") in_value_ = saw_value = true;
        return in_record() ? writer_.StartArray() : true;
    }
    bool EndArray(rapidjson::SizeType) {
        bool ok = in_record() ? writer_.EndArray() : true;
        if (level_ == 2) in_value_ = false;
        --level_;
        return ok;
    }

    // A record is bounded like everything else the plugin reads.
    static constexpr int max_level = 66;                   // page, "value", then 64 in a record
    static constexpr size_t max_record_bytes = 16u << 20;  // one record's JSON

private:
    bool in_record() const { return in_value_ && level_ >= 3; }
    // A bare value directly in "value" is a record that is not an object: the page is broken.
    bool scalar() { return !(in_value_ && level_ == 2) || stop("a record in \"value\" is not a JSON object"); }
    bool small_enough() {
        return buffer_.GetSize() <= max_record_bytes ||
               stop(fmt::format("a record is larger than {} MiB", max_record_bytes >> 20));
    }
    bool stop(std::string why) {
        broken = std::move(why);
        return false;
    }
    template <typename Fn> bool guarded(Fn &&fn) {
        try {
            fn();
            return true;
        } catch (...) {
            failure = std::current_exception();
            return false;
        }
    }

    const RecordSink &on_record_;
    const std::function<void(int64_t)> &on_count_;
    PageInfo &info_;
    rapidjson::StringBuffer buffer_;
    rapidjson::Writer<rapidjson::StringBuffer> writer_;
    std::string key_;
    int level_ = 0;
    bool in_value_ = false;
};

}  // namespace

PageInfo read_collection(http::Response &body, const RecordSink &on_record,
                         const std::function<void(int64_t)> &on_count, const std::string &what) {
    PageInfo info;
    PageHandler handler(on_record, on_count, info);
    rapidjson::Reader reader;
    // Iterative: a server nesting a million levels cannot exhaust the stack.
    auto result = reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseStopWhenDoneFlag |
                               rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body, handler);
    if (handler.failure) std::rethrow_exception(handler.failure);
    if (!handler.broken.empty())
        throw NodeError(WFNODE_ERR_API, fmt::format("{}: the server's page is not usable: {}", what, handler.broken), {},
                        static_cast<int>(body.status()));
    if (result.IsError()) {
        // A page cut short or garbled on the way is worth asking for again.
        NodeError error(WFNODE_ERR_API,
                        fmt::format("{}: the server's answer is not valid JSON: {} at byte {}", what,
                                    rapidjson::GetParseError_En(result.Code()), result.Offset()),
                        {}, static_cast<int>(body.status()));
        throw wfplugin::http::RetryableFailure{std::make_exception_ptr(error), false, std::nullopt,
                                               "the answer is not valid JSON"};
    }
    if (!handler.saw_value)
        throw NodeError(WFNODE_ERR_API, fmt::format("{}: the server's answer is not an OData collection (no \"value\" array)", what),
                        {}, static_cast<int>(body.status()));
    return info;
}

}  // namespace threecx::xapi
