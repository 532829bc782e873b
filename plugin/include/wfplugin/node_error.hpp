// The one exception type that carries a failure from deep inside a plugin up to the ABI
// boundary, where it becomes a wfnode_error. Anything else caught there is WFNODE_ERR_INTERNAL.
#pragma once

#include <wfnode/status.h>

#include <stdexcept>
#include <string>

namespace wfplugin {

struct NodeError : std::runtime_error {
    NodeError(wfnode_status status, std::string message, std::string field = {},
              int http_status = 0, std::string api_code = {})
        : std::runtime_error(std::move(message)),
          status(status),
          field(std::move(field)),
          http_status(http_status),
          api_code(std::move(api_code)) {}

    wfnode_status status;
    std::string field;       // dotted parameter path, empty when not about one field
    int http_status;         // 0 when no HTTP answer was involved
    std::string api_code;    // the server's error code, if any
};

// Input that failed validation: nothing has been sent for it.
inline NodeError invalid(std::string field, std::string message) {
    return NodeError(WFNODE_ERR_INVALID_INPUT, std::move(message), std::move(field));
}

}  // namespace wfplugin
