// Dynamic choices of a field (the "wfnode.options/1" extension of ABI 1.2): a node names a
// source in a field's schema ("x-options-source") and fills in that source's choices from
// the remote service, through the session its credential opens.
#pragma once

#include <functional>
#include <string>

namespace wfplugin {

struct Choice {
    std::string name;         // shown to people
    std::string value;        // what the parameter takes
    std::string description;  // optional; empty for none
};

using ChoiceSink = std::function<void(const Choice &)>;

}  // namespace wfplugin
