// What every node of this plugin provides: its static definition, and a prepare step that
// validates one item's parameters and returns the work for that item. Validation happens
// for all items before any work runs, so nothing is sent for input that fails it.
#pragma once

#include "embedded_schemas.hpp"
#include "execution_context.hpp"
#include "schema_validator.hpp"
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

// A node described like an n8n node file: its identity, its schema (schemas/<schema>.json),
// how validated parameters become a Plan (throwing for what a schema cannot say), and how a
// Plan runs for one item.
template <typename Plan> struct NodeSpec {
    const char *type;
    const char *display_name;
    const char *description;
    const char *credential_type;
    const char *schema;
    Plan (*plan)(const rapidjson::Value &parameters);
    void (*run)(const Plan &plan, xapi::Client &client, ExecutionContext &ctx, uint32_t item_index);
};

template <typename Plan> class SpecNode final : public Node {
public:
    explicit SpecNode(NodeSpec<Plan> spec) : spec_(spec) {
        def_.struct_size = sizeof(def_);
        def_.node_version = 1;
        def_.type = spec.type;
        def_.display_name = spec.display_name;
        def_.description = spec.description;
        def_.credential_type = spec.credential_type;
        def_.schema_json = schemas::text(spec.schema);
    }
    const wfnode_node_def &definition() const override { return def_; }

    ItemJob prepare(const rapidjson::Value &parameters) const override {
        validate_against_schema(parameters, schemas::document(spec_.schema));
        return [plan = spec_.plan(parameters), run = spec_.run](xapi::Client &client, ExecutionContext &ctx,
                                                                uint32_t item) { run(plan, client, ctx, item); };
    }

private:
    NodeSpec<Plan> spec_;
    wfnode_node_def def_{};
};

const Node &download_chat_history_node();
const Node &purge_chats_node();

}  // namespace threecx
