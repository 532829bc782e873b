#include "wfplugin/execution_context.hpp"

#include "wfplugin/http.hpp"
#include "wfplugin/json.hpp"
#include "wfplugin/node_error.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace wfplugin {
namespace {

// A JSON string can spell any character as \uXXXX, and '/' as \/: a server can hand a secret
// back that way, and no search of the raw text finds it. An item with such an escape is read,
// each string and key decoded and searched, and the item written again with any secret
// replaced (numbers as they were written).
class SecretFilter : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, SecretFilter> {
public:
    SecretFilter(const ExecutionContext &ctx, rapidjson::Writer<rapidjson::StringBuffer> &out) : ctx_(ctx), out_(out) {}
    bool found = false;

    bool Null() { return out_.Null(); }
    bool Bool(bool b) { return out_.Bool(b); }
    bool RawNumber(const char *s, rapidjson::SizeType n, bool) { return out_.RawValue(s, n, rapidjson::kNumberType); }
    bool String(const char *s, rapidjson::SizeType n, bool) {
        std::string text = clean(s, n);
        return out_.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    bool Key(const char *s, rapidjson::SizeType n, bool) {
        std::string text = clean(s, n);
        return out_.Key(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    }
    bool StartObject() { return out_.StartObject(); }
    bool EndObject(rapidjson::SizeType n) { return out_.EndObject(n); }
    bool StartArray() { return out_.StartArray(); }
    bool EndArray(rapidjson::SizeType n) { return out_.EndArray(n); }

private:
    std::string clean(const char *s, rapidjson::SizeType n) {
        std::string redacted = ctx_.redact(std::string_view(s, n));
        found |= redacted.size() != n || redacted.compare(0, n, s, n) != 0;
        return redacted;
    }
    const ExecutionContext &ctx_;
    rapidjson::Writer<rapidjson::StringBuffer> &out_;
};

bool holds(std::string_view text, std::string_view part) {
    return ::memmem(text.data(), text.size(), part.data(), part.size()) != nullptr;
}

// A \u or \/ escape (or an escaped backslash before a 'u' or '/', which is harmless to read).
// memchr, not memmem: glibc's memmem walks a two-byte needle one byte at a time.
bool spells_by_escape(std::string_view text) {
    const char *end = text.data() + text.size();
    for (const char *p = text.data(); (p = static_cast<const char *>(std::memchr(p, '\\', static_cast<size_t>(end - p)))) &&
                                      p + 1 < end;
         p += 2)
        if (p[1] == 'u' || p[1] == '/') return true;
    return false;
}

}  // namespace

#define HOST_MEMBER(name) member(&wfnode_host::name, offsetof(wfnode_host, name))

void ExecutionContext::add_secret(std::string_view secret) {
    if (secret.empty()) return;
    std::string quoted = json::quote(secret);
    bool added = false;
    for (std::string form : {std::string(secret), quoted.substr(1, quoted.size() - 2), http::percent_encode(secret)})
        if (std::find(secrets_.begin(), secrets_.end(), form) == secrets_.end()) secrets_.push_back(std::move(form)), added = true;
    if (!added) return;  // the same token again: nothing to rebuild
    // Longest first, so a secret that contains another is replaced whole.
    std::sort(secrets_.begin(), secrets_.end(), [](const auto &a, const auto &b) { return a.size() > b.size(); });

}

std::string ExecutionContext::redact(std::string_view text) const {
    std::string out(text);
    for (const auto &secret : secrets_)
        for (size_t at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 10))
            out.replace(at, secret.size(), "[redacted]");
    return out;
}

void ExecutionContext::emit(uint32_t paired_item, std::string_view json) {
    auto fn = HOST_MEMBER(emit_item);
    // An item is checked for secrets before it leaves; one that held any is sent redacted.
    std::string redacted;
    rapidjson::StringBuffer rewritten;
    if (!secrets_.empty() && spells_by_escape(json)) {
        rapidjson::Writer<rapidjson::StringBuffer> writer(rewritten);
        SecretFilter filter(*this, writer);
        rapidjson::Reader reader;
        rapidjson::MemoryStream bytes(json.data(), json.size());
        rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(bytes);
        const bool read = !reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(in, filter).IsError();
        if (!read) json = redacted = redact(json);  // not JSON after all: the raw forms, at least
        else if (filter.found) json = std::string_view(rewritten.GetString(), rewritten.GetSize());
    }
    // memmem, not string_view::find: every output item is checked, and glibc's memmem does
    // not stop at each byte that starts a secret.
    else if (std::any_of(secrets_.begin(), secrets_.end(), [&](const auto &s) { return holds(json, s); }))
        json = redacted = redact(json);
    if (fn(&host_, paired_item, json.data(), json.size()) != WFNODE_OK)
        throw NodeError(WFNODE_ERR_ABORTED_BY_HOST, "the host asked to stop receiving items");
    // Also report while one large page streams, not only when its request ends.
    if (++progress_.items_out % 1000 == 0) report();
}

void ExecutionContext::emit_error(const NodeError &error, uint32_t item_index) {
    wfnode_error e{};
    e.struct_size = sizeof(e);
    e.status = error.status;
    e.item_index = item_index;
    e.http_status = error.http_status;
    const std::string field = redact(error.field), message = redact(error.what()), code = redact(error.api_code);
    e.field = field.empty() ? nullptr : field.c_str();
    e.message = message.c_str();  // the item is in item_index; the host says which it was
    e.api_code = code.empty() ? nullptr : code.c_str();
    HOST_MEMBER(emit_error)(&host_, &e);
}

void ExecutionContext::log(int32_t level, const std::string &message) const {
    if (auto fn = HOST_MEMBER(log)) fn(&host_, level, redact(message).c_str());
}

void ExecutionContext::check_cancelled() const {
    auto fn = HOST_MEMBER(is_cancelled);
    if (fn && fn(&host_) != 0) throw NodeError(WFNODE_ERR_CANCELLED, "cancelled by the host");
}

const void *ExecutionContext::host_extension(const char *id) const {
    auto fn = HOST_MEMBER(get_extension);
    return fn ? fn(&host_, id) : nullptr;
}

void ExecutionContext::report() const {
    if (auto fn = HOST_MEMBER(progress)) fn(&host_, &progress_);
}

}  // namespace wfplugin
