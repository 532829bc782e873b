// What every node of a plugin provides: its static definition, the credential type it needs
// (if any), and a prepare step that validates one item's parameters and returns the work for
// that item. Validation happens for all items before any work runs, so nothing is sent for
// input that fails it.
#pragma once

#include "wfplugin/credential.hpp"
#include "wfplugin/execution_context.hpp"
#include "wfplugin/node_error.hpp"
#include "wfplugin/options.hpp"
#include "wfplugin/schema_validator.hpp"
#include "wfplugin/schemas.hpp"
#include "wfplugin/session.hpp"

#include <rapidjson/document.h>
#include <wfnode/node.h>

#include <functional>
#include <string_view>

namespace wfplugin {

// The work for one input item: uses the execution's session (an empty one for a node that
// needs no credential) and emits output items paired to the item.
using ItemJob = std::function<void(Session &session, ExecutionContext &ctx, uint32_t item_index)>;

class Node {
public:
    virtual ~Node() = default;
    virtual const wfnode_node_def &definition() const = 0;
    // The credential type this node needs, or nullptr for none.
    virtual const CredentialType *credential() const = 0;
    // Throws NodeError(WFNODE_ERR_INVALID_INPUT) naming the field; sends nothing.
    virtual ItemJob prepare(const rapidjson::Value &parameters) const = 0;
    // Whether this node serves the options source a field's "x-options-source" names: asked
    // before a session is opened, so a schema naming a source no code serves costs no request.
    virtual bool serves_options(std::string_view source) const = 0;
    // Hands the choices of the source it serves to `emit`.
    virtual void load_options(Session &session, ExecutionContext &ctx, const ChoiceSink &emit) const = 0;
};

// A node described like an n8n node file: its identity, its credential type (a
// SpecCredential whose session the node's run receives, or nullptr with Session), its
// schema (the embedded <schema>.json), how validated parameters become a Plan (throwing
// for what a schema cannot say), how a Plan runs for one item, and optionally the one options
// source its schema names, with what loads its choices.
template <typename Plan, typename SessionT = Session> struct NodeSpec {
    const char *type;
    const char *display_name;
    const char *description;
    const CredentialType *credential;
    const char *schema;
    Plan (*plan)(const rapidjson::Value &parameters);
    void (*run)(const Plan &plan, SessionT &session, ExecutionContext &ctx, uint32_t item_index);
    const char *options_source = nullptr;  // the "x-options-source" name `options` serves
    void (*options)(SessionT &session, ExecutionContext &ctx, const ChoiceSink &emit) = nullptr;
};

template <typename Plan, typename SessionT = Session> class SpecNode final : public Node {
public:
    explicit SpecNode(NodeSpec<Plan, SessionT> spec) : spec_(spec) {
        def_.struct_size = sizeof(def_);
        def_.node_version = 1;
        def_.type = spec.type;
        def_.display_name = spec.display_name;
        def_.description = spec.description;
        def_.credential_type = spec.credential ? spec.credential->definition().name : nullptr;
        def_.schema_json = schemas::text(spec.schema);
    }
    const wfnode_node_def &definition() const override { return def_; }
    const CredentialType *credential() const override { return spec_.credential; }

    ItemJob prepare(const rapidjson::Value &parameters) const override {
        validate_against_schema(parameters, schemas::document(spec_.schema));
        return [plan = spec_.plan(parameters), run = spec_.run](Session &session, ExecutionContext &ctx, uint32_t item) {
            run(plan, typed(session), ctx, item);
        };
    }

    bool serves_options(std::string_view source) const override {
        return spec_.options && spec_.options_source && source == spec_.options_source;
    }
    void load_options(Session &session, ExecutionContext &ctx, const ChoiceSink &emit) const override {
        spec_.options(typed(session), ctx, emit);
    }

private:
    static SessionT &typed(Session &session) {
        auto *t = dynamic_cast<SessionT *>(&session);
        if (!t) throw NodeError(WFNODE_ERR_INTERNAL, "the node's credential opened a session of another type");
        return *t;
    }

    NodeSpec<Plan, SessionT> spec_;
    wfnode_node_def def_{};
};

}  // namespace wfplugin
