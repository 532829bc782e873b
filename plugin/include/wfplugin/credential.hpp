// A credential type a node can require (wfnode_credential_def on the ABI) and how to open a
// session with it. The executor learns both from the node, so the plugin machinery knows no
// particular API.
#pragma once

#include "wfplugin/execution_context.hpp"
#include "wfplugin/schema_validator.hpp"
#include "wfplugin/schemas.hpp"
#include "wfplugin/session.hpp"

#include <rapidjson/document.h>
#include <wfnode/node.h>

#include <functional>
#include <memory>

namespace wfplugin {

// Opens the session for validated credentials; called on the execution's thread.
using SessionOpener = std::function<std::unique_ptr<Session>(ExecutionContext &ctx)>;

class CredentialType {
public:
    virtual ~CredentialType() = default;
    virtual const wfnode_credential_def &definition() const = 0;
    // The parsed schema (fields marked writeOnly are secrets: redacted from every text).
    virtual const rapidjson::Value &schema() const = 0;
    // Validates the credentials object (errors name "credentials.<field>"); sends nothing.
    virtual SessionOpener accept(const rapidjson::Value &credentials) const = 0;
};

// A credential type described like a node: its identity, its schema (the embedded
// <schema>.json), how validated JSON becomes a Config, and how a Config opens a session.
template <typename Config, typename SessionT> struct CredentialSpec {
    const char *name;
    const char *display_name;
    const char *schema;
    Config (*parse)(const rapidjson::Value &validated);
    std::unique_ptr<SessionT> (*open)(const Config &config, ExecutionContext &ctx);
};

template <typename Config, typename SessionT> class SpecCredential final : public CredentialType {
public:
    using session_type = SessionT;

    explicit SpecCredential(CredentialSpec<Config, SessionT> spec) : spec_(spec) {
        def_.struct_size = sizeof(def_);
        def_.name = spec.name;
        def_.display_name = spec.display_name;
        def_.schema_json = schemas::text(spec.schema);
    }
    const wfnode_credential_def &definition() const override { return def_; }
    const rapidjson::Value &schema() const override { return schemas::document(spec_.schema); }

    SessionOpener accept(const rapidjson::Value &credentials) const override {
        validate_against_schema(credentials, schemas::document(spec_.schema), "credentials");
        return [config = spec_.parse(credentials), open = spec_.open](ExecutionContext &ctx) -> std::unique_ptr<Session> {
            return open(config, ctx);
        };
    }

private:
    CredentialSpec<Config, SessionT> spec_;
    wfnode_credential_def def_{};
};

}  // namespace wfplugin
