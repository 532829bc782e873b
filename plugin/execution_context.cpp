#include "wfplugin/execution_context.hpp"

#include "escaped_secrets.hpp"

#include "wfplugin/byte_search.hpp"
#include "wfplugin/http.hpp"
#include "wfplugin/json.hpp"
#include "wfplugin/node_error.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace wfplugin {

#define HOST_MEMBER(name) member(&wfnode_host::name, offsetof(wfnode_host, name))

void ExecutionContext::add_secret(std::string_view secret) {
    if (secret.empty()) return;
    std::string quoted = json::quote(secret);
    bool added = false;
    for (std::string form : {std::string(secret), quoted.substr(1, quoted.size() - 2), http::percent_encode(secret)})
        if (std::find(secrets_.begin(), secrets_.end(), form) == secrets_.end()) secrets_.push_back(std::move(form)), added = true;
    if (!added) return;  // the same token again: nothing to rebuild
    plain_secrets_ = plain_secrets_ && escaped::is_plain(secret);
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
    // Its strings are decoded only when an escape in it could spell part of a secret (never
    // for the escapes of non-ASCII characters when every secret is plain ASCII): an item is
    // not parsed again to be searched.
    std::string redacted;
    if (secrets_.empty()) {
        // nothing to look for
    } else if (escaped::may_spell_a_secret(json, plain_secrets_)) {
        redacted = escaped::redact_strings(json, [this](std::string_view text) { return redact(text); });
        json = redacted;
    } else if (contains_any(json, secrets_)) {
        json = redacted = redact(json);
    }
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
