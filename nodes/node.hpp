// What every node of this plugin provides: its static definition, and a prepare step that
// validates one item's parameters and returns the work for that item. Validation happens
// for all items before any work runs, so nothing is sent for input that fails it.
#pragma once

#include "execution_context.hpp"
#include "xapi/client.hpp"

#include <rapidjson/document.h>
#include <wfnode/node.h>

#include <functional>

namespace threecx {

// The work for one input item: talks to the server and emits output items paired to it.
using ItemJob = std::function<void(xapi::Client &client, ExecutionContext &ctx, uint32_t item_index)>;

class Node {
public:
    virtual ~Node() = default;
    virtual const wfnode_node_def &definition() const = 0;
    // Throws NodeError(WFNODE_ERR_INVALID_INPUT) naming the field; sends nothing.
    virtual ItemJob prepare(const rapidjson::Value &parameters) const = 0;
};

const Node &download_chat_history_node();
const Node &purge_chats_node();

}  // namespace threecx
