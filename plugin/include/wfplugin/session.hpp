// A session: what a credential type opens for one execution (an API client holding a
// connection and a token), shared by all the items of that execution. Opened lazily, when
// the first valid item runs, so an execution whose items all fail validation sends nothing.
#pragma once

namespace wfplugin {

class Session {
public:
    virtual ~Session() = default;
};

}  // namespace wfplugin
