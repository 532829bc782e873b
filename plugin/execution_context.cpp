#include "wfplugin/execution_context.hpp"

#include "wfplugin/node_error.hpp"

#include <cstddef>

namespace wfplugin {

#define HOST_MEMBER(name) member(&wfnode_host::name, offsetof(wfnode_host, name))

void ExecutionContext::emit(uint32_t paired_item, std::string_view json) {
    auto fn = HOST_MEMBER(emit_item);
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
    e.field = error.field.empty() ? nullptr : error.field.c_str();
    e.message = error.what();  // the item is in item_index; the host says which it was
    e.api_code = error.api_code.empty() ? nullptr : error.api_code.c_str();
    HOST_MEMBER(emit_error)(&host_, &e);
}

void ExecutionContext::log(int32_t level, const std::string &message) const {
    if (auto fn = HOST_MEMBER(log)) fn(&host_, level, message.c_str());
}

void ExecutionContext::check_cancelled() const {
    auto fn = HOST_MEMBER(is_cancelled);
    if (fn && fn(&host_) != 0) throw NodeError(WFNODE_ERR_CANCELLED, "cancelled by the host");
}

void ExecutionContext::report() const {
    if (auto fn = HOST_MEMBER(progress)) fn(&host_, &progress_);
}

}  // namespace wfplugin
