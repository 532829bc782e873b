#include "options.hpp"

#include "executor.hpp"
#include "registry.hpp"
#include "wfplugin/execution_context.hpp"
#include "wfplugin/json.hpp"
#include "wfplugin/node_error.hpp"
#include "wfplugin/schema_validator.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace wfplugin {
namespace {

// At most this many choices for one field. The one source there is, the PBX's time zones,
// can offer at most the names of the IANA database (598 zones and links in tzdata 2024), and
// a list of thousands is of no use in a form: more is a server gone wrong, answered with an
// error naming this bound rather than a list cut short without a word.
constexpr size_t max_choices = 2000;

// The schema of the property at dotted `path` of a node's schema, or nullptr.
const rapidjson::Value *property_at(const rapidjson::Value &schema, const std::string &path) {
    const rapidjson::Value *at = &schema;
    for (size_t from = 0; from <= path.size();) {
        size_t dot = std::min(path.find('.', from), path.size());
        const rapidjson::Value *props = json::find(*at, "properties");
        if (!props) return nullptr;
        at = json::find(*props, path.substr(from, dot - from).c_str());
        if (!at) return nullptr;
        from = dot + 1;
    }
    return at;
}

std::string source_of(const rapidjson::Value *property) {
    const rapidjson::Value *source = property ? json::find(*property, WFNODE_SCHEMA_OPTIONS_SOURCE) : nullptr;
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
    const rapidjson::Value *property = property_at(schema, field);
    const std::string source = source_of(property);
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
    // A choice is offered only if the node would take it: its value passes the very check the
    // node's validation makes of this field (the field's own schema, through the one
    // validator), so a server cannot put "../../etc/passwd" into a form. The list is held
    // until the source has ended, so an error leaves no partial list behind.
    std::vector<Choice> offered;
    size_t refused = 0;
    std::string first_refusal;
    node->load_options(*session, ctx, [&](const Choice &c) {
        try {
            validate_against_schema(rapidjson::Value(rapidjson::StringRef(c.value.data(), c.value.size())), *property,
                                    field);
        } catch (const NodeError &e) {
            if (e.status != WFNODE_ERR_INVALID_INPUT) throw;
            if (refused++ == 0) first_refusal = e.what();
            return;
        }
        if (offered.size() == max_choices)
            throw NodeError(WFNODE_ERR_API,
                            fmt::format("the server offers more than {} choices for {}, the most this plugin takes for "
                                        "one field; none are offered",
                                        max_choices, field),
                            field);
        offered.push_back(c);
    });
    if (refused)
        ctx.log(WFNODE_LOG_WARN, fmt::format("{} of the server's {} choices for {} were dropped: the node would refuse "
                                             "them (the first: {})",
                                             refused, refused + offered.size(), field, first_refusal));
    for (const auto &c : offered) ctx.emit(0, choice_json(c));
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
