// libFuzzer target: the input is a parameters JSON text, handed to every node of the plugin's
// catalog the way the executor does (wfplugin::json::parse, then Node::prepare).
//
// Invariants (a violation aborts):
//  - only wfplugin::NodeError leaves parse/prepare, with status WFNODE_ERR_INVALID_INPUT and a
//    message under 1000 bytes (anything else escaping is a crash by itself);
//  - for Purge Chats parameters that prepare accepted, threecx::purge_request_body returns
//    exactly {"period":{"All":bool,"Start":string|null,"Stop":string|null}}, saying what the
//    input said (the same instants, each in the canonical form iso8601::format writes), and a
//    period that purges everything or reaches past now was confirmed (confirmPurgeAll) or is
//    only previewed (options.dryRun).
#include "purge_chats.hpp"

#include <wfplugin/catalog.hpp>
#include <wfplugin/iso8601.hpp>
#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace json = wfplugin::json;
namespace iso8601 = wfplugin::iso8601;

std::string_view g_input;

[[noreturn]] void violated(const char *what, const std::string &detail) {
    std::fprintf(stderr, "fuzz_parameters: invariant violated: %s\n  %s\n  input: %.*s\n", what, detail.c_str(),
                 static_cast<int>(g_input.size() > 2000 ? 2000 : g_input.size()), g_input.data());
    std::abort();
}

#define CHECK(cond, detail)                              \
    do {                                                 \
        if (!(cond)) violated(#cond, std::string(detail)); \
    } while (0)

void check_error(const wfplugin::NodeError &e, const char *where) {
    const std::string message = e.what();
    CHECK(e.status == WFNODE_ERR_INVALID_INPUT, std::string(where) + ": status " + std::to_string(e.status) + ": " + message);
    CHECK(message.size() < 1000, std::string(where) + ": message of " + std::to_string(message.size()) + " bytes");
}

bool is_true(const rapidjson::Value *v) { return v && v->IsBool() && v->GetBool(); }

// The instant a Start/Stop member names in the input: nullopt for absent or null.
std::optional<iso8601::TimePoint> input_instant(const rapidjson::Value &period, const char *name) {
    const rapidjson::Value *v = json::find(period, name);
    if (!v || v->IsNull()) return std::nullopt;
    CHECK(v->IsString(), std::string("accepted input period.") + name + " is neither null nor a string");
    auto t = iso8601::parse({v->GetString(), v->GetStringLength()});
    CHECK(t.has_value(), std::string("accepted input period.") + name + " is not a date-time: " + v->GetString());
    return t;
}

// The instant a Start/Stop member of the body names: nullopt for null; it must be present.
std::optional<iso8601::TimePoint> body_instant(const rapidjson::Value &period, const char *name, const std::string &body) {
    const rapidjson::Value *v = json::find(period, name);
    CHECK(v != nullptr, std::string("body lacks period.") + name + ": " + body);
    if (v->IsNull()) return std::nullopt;
    CHECK(v->IsString(), std::string("body period.") + name + " is neither null nor a string: " + body);
    const std::string_view text(v->GetString(), v->GetStringLength());
    auto t = iso8601::parse(text);
    CHECK(t.has_value(), std::string("body period.") + name + " is not a date-time: " + body);
    CHECK(text == iso8601::format(*t), std::string("body period.") + name + " is not in canonical form: " + body);
    return t;
}

void check_purge_body(const rapidjson::Value &params) {
    std::string body;
    try {
        body = threecx::purge_request_body(params);
    } catch (const wfplugin::NodeError &e) {
        violated("purge_request_body throws for parameters prepare accepted", e.what());
    }
    // Taken after prepare and the body: anything accepted then had Stop <= an earlier now.
    const auto now = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());

    rapidjson::Document doc;
    try {
        doc = json::parse(body, "body");
    } catch (const wfplugin::NodeError &e) {
        violated("the purge body is not JSON under the plugin's policy", body + ": " + e.what());
    }
    CHECK(doc.IsObject() && doc.MemberCount() == 1 && doc.HasMember("period"), "body is not {\"period\": ...}: " + body);
    const rapidjson::Value &out = doc["period"];
    CHECK(out.IsObject() && out.MemberCount() == 3, "body period does not have exactly 3 members: " + body);
    const rapidjson::Value *out_all = json::find(out, "All");
    CHECK(out_all && out_all->IsBool(), "body period.All is not a boolean: " + body);
    const auto out_start = body_instant(out, "Start", body);
    const auto out_stop = body_instant(out, "Stop", body);

    // The input's period: an object, or a string holding one.
    const rapidjson::Value *raw = json::find(params, "period");
    CHECK(raw != nullptr, "accepted parameters without a period");
    rapidjson::Document parsed;
    const rapidjson::Value *in = raw;
    if (raw->IsString()) {
        try {
            parsed = json::parse({raw->GetString(), raw->GetStringLength()}, "period");
        } catch (const wfplugin::NodeError &e) {
            violated("accepted a period string that is not JSON", e.what());
        }
        in = &parsed;
    }
    CHECK(in->IsObject(), "accepted a period that is not an object");
    const bool in_all = is_true(json::find(*in, "All"));
    CHECK(out_all->GetBool() == in_all, "period.All differs between input and body: " + body);
    CHECK(input_instant(*in, "Start") == out_start, "period.Start differs between input and body: " + body);
    CHECK(input_instant(*in, "Stop") == out_stop, "period.Stop differs between input and body: " + body);

    const bool confirmed = is_true(json::find(params, "confirmPurgeAll"));
    const rapidjson::Value *options = json::find(params, "options");
    const bool dry_run = options && is_true(json::find(*options, "dryRun"));
    if (out_all->GetBool() || !out_stop || *out_stop > now)
        CHECK(confirmed || dry_run, "a period purging everything or reaching past now went unconfirmed: " + body);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    g_input = text;
    rapidjson::Document params;
    try {
        params = json::parse(text, "parameters");
    } catch (const wfplugin::NodeError &e) {
        check_error(e, "json::parse");
        return 0;
    }
    for (const wfplugin::Node *node : wfplugin::plugin_catalog().nodes) {
        const char *type = node->definition().type;
        bool accepted = false;
        try {
            (void)node->prepare(params);  // the returned job would talk to a server: not run
            accepted = true;
        } catch (const wfplugin::NodeError &e) {
            check_error(e, type);
        }
        if (accepted && std::strcmp(type, "threecx.purgeChats") == 0) check_purge_body(params);
    }
    return 0;
}
