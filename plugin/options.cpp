#include "options.hpp"

#include "executor.hpp"
#include "registry.hpp"
#include "wfplugin/execution_context.hpp"
#include "wfplugin/json.hpp"
#include "wfplugin/node_error.hpp"

#include <fmt/format.h>

#include <string>

namespace wfplugin {
namespace {

// The "x-options-source" of the property at dotted `path` of a node's schema, or empty.
std::string source_of(const rapidjson::Value &schema, const std::string &path) {
    const rapidjson::Value *at = &schema;
    for (size_t from = 0; from <= path.size();) {
        size_t dot = std::min(path.find('.', from), path.size());
        const rapidjson::Value *props = json::find(*at, "properties");
        if (!props) return {};
        at = json::find(*props, path.substr(from, dot - from).c_str());
        if (!at) return {};
        from = dot + 1;
    }
    const rapidjson::Value *source = json::find(*at, WFNODE_SCHEMA_OPTIONS_SOURCE);
    return source && source->IsString() ? std::string(source->GetString(), source->GetStringLength()) : std::string();
}

std::string choice_json(const Choice &c) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    w.Key("name");
    w.String(c.name.c_str(), static_cast<rapidjson::SizeType>(c.name.size()));
    w.Key("value");
    w.String(c.value.c_str(), static_cast<rapidjson::SizeType>(c.value.size()));
    if (!c.description.empty()) {
        w.Key("description");
        w.String(c.description.c_str(), static_cast<rapidjson::SizeType>(c.description.size()));
    }
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

wfnode_status load(const wfnode_options_request &req, ExecutionContext &ctx) {
    const Node *node = req.node_type ? find_node(req.node_type) : nullptr;
    if (!node)
        throw NodeError(WFNODE_ERR_UNKNOWN_NODE,
                        fmt::format("this plugin has no node of type {}", json::excerpt(req.node_type ? req.node_type : "")));
    const std::string field = req.field ? req.field : "";
    rapidjson::Document schema = json::parse(node->definition().schema_json, "schema");
    const std::string source = source_of(schema, field);
    if (source.empty())
        throw invalid(field, fmt::format("{} of {} offers no choices (its schema names no options source)",
                                         json::excerpt(field), node->definition().type));
    // A schema naming a source its node does not serve is a defect of this plugin, told
    // before any request is made.
    if (!node->serves_options(source))
        throw NodeError(WFNODE_ERR_INTERNAL,
                        fmt::format("the schema of {} names the options source {}, which the node does not serve",
                                    node->definition().type, json::excerpt(source)),
                        field);
    if (req.parameters_json) {
        auto params = json::parse(req.parameters_json, "parameters");
        if (!params.IsObject()) throw invalid("parameters", "parameters must be a JSON object");
    }
    SessionOpener open = accept_credentials(*node, req.credentials_json, ctx);
    auto session = open(ctx);
    node->load_options(*session, ctx, [&](const Choice &c) { ctx.emit(0, choice_json(c)); });
    return WFNODE_OK;
}

}  // namespace

wfnode_status load_options_request(const wfnode_options_request &request, const wfnode_host &host) {
    ExecutionContext ctx(host, 0);
    try {
        return load(request, ctx);
    } catch (const NodeError &e) {
        ctx.emit_error(e, WFNODE_NO_ITEM);
        return e.status;
    } catch (const std::exception &e) {
        ctx.emit_error(NodeError(WFNODE_ERR_INTERNAL, fmt::format("internal error: {}", e.what())), WFNODE_NO_ITEM);
        return WFNODE_ERR_INTERNAL;
    }
}

}  // namespace wfplugin
