// The schema files: JSON, what the plugin embeds and describe prints, and forms an editor can draw.
#include "emulator_process.hpp"
#include <wfnode/loader.hpp>

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace {

rapidjson::Document schema_file(const std::string &name) {
    std::ifstream in(std::string(SCHEMA_DIR) + "/" + name + ".json");
    std::stringstream s;
    s << in.rdbuf();
    return testsupport::parse(s.str());
}

// Every property a form shows carries a title, a description and a type; the order list
// names exactly the properties.
void check_form(const rapidjson::Value &schema, const std::string &where) {
    INFO(where);
    REQUIRE(schema.HasMember("properties"));
    REQUIRE(schema.HasMember("x-order"));
    const auto &props = schema["properties"];
    CHECK(schema["x-order"].Size() == props.MemberCount());
    for (const auto &name : schema["x-order"].GetArray()) CHECK(props.HasMember(name.GetString()));
    for (const auto &p : props.GetObject()) {
        INFO(p.name.GetString());
        CHECK(p.value.HasMember("type"));
        CHECK(p.value.HasMember("title"));
        CHECK(p.value.HasMember("description"));
        CHECK(p.value.HasMember("x-n8n-type"));
        if (p.value.HasMember("x-n8n-type") && std::string(p.value["x-n8n-type"].GetString()) == "collection")
            check_form(p.value, where + "." + p.name.GetString());
    }
}

}  // namespace

// No editor hint ("x-" keyword) anywhere in a printed schema.
bool has_hint(const rapidjson::Value &v) {
    if (v.IsArray())
        for (const auto &x : v.GetArray())
            if (has_hint(x)) return true;
    if (!v.IsObject()) return false;
    for (const auto &m : v.GetObject())
        if (std::string(m.name.GetString()).starts_with("x-") || has_hint(m.value)) return true;
    return false;
}

TEST_CASE("describe prints the schema files as standard JSON Schema and their hints as a UI schema") {
    auto r = testsupport::run({NODEHOST_PATH, "describe", PLUGIN_PATH});
    REQUIRE(r.exit_code == 0);
    auto described = testsupport::parse(r.out);
    CHECK(std::string(described["abiVersion"].GetString()) == "1.4.0");
    const auto &nodes = described["nodes"];
    REQUIRE(nodes.Size() == 3);
    const char *files[] = {"downloadChatHistory", "purgeChats"};
    for (rapidjson::SizeType i = 0; i < 2; ++i) {
        INFO(files[i]);
        auto file = schema_file(files[i]);
        CHECK(nodes[i]["schema"]["$id"] == file["$id"]);
        CHECK(nodes[i]["schema"]["required"] == file["required"]);
        CHECK(!has_hint(nodes[i]["schema"]));
        CHECK(has_hint(file));
    }
    // The 3CX node's schema is generated at build time (tools/xapi/generate_node.py).
    CHECK(std::string(nodes[2]["type"].GetString()) == "threecx.xapi");
    CHECK(std::string(nodes[2]["schema"]["$id"].GetString()) == "urn:wfnode:threecx.xapi:parameters");
    CHECK(nodes[2]["schema"]["required"] == testsupport::parse(R"(["resource","operation"])"));
    CHECK(nodes[2]["schema"]["properties"]["operation"]["enum"].Size() == 601);
    CHECK(!has_hint(nodes[2]["schema"]));
    CHECK(described["credentials"][0]["schema"]["$id"] == schema_file("threecxApi")["$id"]);
    CHECK(!has_hint(described["credentials"][0]["schema"]));

    auto ui = testsupport::run({NODEHOST_PATH, "describe", PLUGIN_PATH, "threecx.purgeChats", "--format", "ui-schema"});
    REQUIRE(ui.exit_code == 0);
    auto one = testsupport::parse(ui.out);
    CHECK(one["uiSchema"]["ui:order"] == schema_file("purgeChats")["x-order"]);
    CHECK(one["uiSchema"]["options"]["ui:order"] == schema_file("purgeChats")["properties"]["options"]["x-order"]);
    CHECK(!one.HasMember("schema"));

    auto bad = testsupport::run({NODEHOST_PATH, "describe", PLUGIN_PATH, "--format", "yaml"});
    CHECK(bad.exit_code == 2);
    CHECK(bad.err.find("json-schema, ui-schema or n8n") != std::string::npos);
}

TEST_CASE("schemas mirror the documented 3CX node's fields and carry what a form needs") {
    auto d = schema_file("downloadChatHistory");
    CHECK(std::string(d["$schema"].GetString()) == "https://json-schema.org/draft/2020-12/schema");
    CHECK(std::string(d["properties"]["clientTimeZone"]["title"].GetString()) == "Client Time Zone");
    CHECK(std::string(d["required"][0].GetString()) == "clientTimeZone");
    const auto &o = d["properties"]["options"]["properties"];
    for (const char *f : {"top", "skip", "search", "filter", "count", "select", "orderby", "expand"}) CHECK(o.HasMember(f));
    CHECK(o["top"]["minimum"].GetInt() == 0);
    CHECK(std::string(o["count"]["type"].GetString()) == "boolean");
    check_form(d, "downloadChatHistory");

    auto p = schema_file("purgeChats");
    CHECK(std::string(p["properties"]["period"]["x-n8n-type"].GetString()) == "json");
    for (const char *f : {"All", "Start", "Stop"}) CHECK(p["properties"]["period"]["properties"].HasMember(f));
    check_form(p, "purgeChats");

    auto c = schema_file("threecxApi");
    CHECK(c["properties"]["apiKey"]["writeOnly"].GetBool());
    CHECK(c["properties"]["apiKey"]["x-secret"].GetBool());
    CHECK(c["properties"]["ignoreTlsIssues"]["default"].GetBool() == false);
    check_form(c, "threecxApi");
}

TEST_CASE("schemas are valid JSON Schema 2020-12 (checked against the metaschema)") {
    for (const char *name : {"downloadChatHistory", "purgeChats", "threecxApi"}) {
        INFO(name);
        auto r = testsupport::run({"/usr/bin/python3", "-c",
                                   "import json,sys,jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1]))); print('ok')",
                                   std::string(SCHEMA_DIR) + "/" + name + ".json"});
        CHECK(r.err == "");
        CHECK(r.out == "ok\n");
    }
}

TEST_CASE("the same schemas drive an n8n-style form (describe --format n8n)") {
    auto r = testsupport::run({NODEHOST_PATH, "describe", PLUGIN_PATH, "--format", "n8n"});
    REQUIRE(r.exit_code == 0);
    auto d = testsupport::parse(r.out);
    const auto &download = d["nodes"][0];
    CHECK(std::string(download["displayName"].GetString()) == "Download Chat History");
    // What n8n's loader and canvas need: no dot in the name, a group, defaults, inputs, outputs.
    CHECK(std::string(download["name"].GetString()) == "threecxDownloadChatHistory");
    CHECK(std::string(download["group"][0].GetString()) == "input");
    CHECK(std::string(d["nodes"][1]["group"][0].GetString()) == "output");
    CHECK(std::string(download["defaults"]["name"].GetString()) == "Download Chat History");
    CHECK(std::string(download["inputs"][0].GetString()) == "main");
    CHECK(std::string(download["outputs"][0].GetString()) == "main");
    CHECK(std::string(download["credentials"][0]["name"].GetString()) == "threecxApi");
    const auto &props = download["properties"];
    REQUIRE(props.Size() == 2);
    CHECK(std::string(props[0]["name"].GetString()) == "clientTimeZone");
    CHECK(std::string(props[0]["displayName"].GetString()) == "Client Time Zone");
    CHECK(props[0]["required"].GetBool());
    CHECK(std::string(props[0]["placeholder"].GetString()) == "Europe/Berlin");
    CHECK(std::string(props[0]["type"].GetString()) == "options");  // dynamic choices, ABI 1.2
    CHECK(std::string(props[0]["typeOptions"]["loadOptionsMethod"].GetString()) == "timeZones");
    CHECK(std::string(props[1]["type"].GetString()) == "collection");
    CHECK(std::string(props[1]["placeholder"].GetString()) == "Add option");
    const auto &options = props[1]["options"];
    REQUIRE(options.Size() == 20);
    const char *order[] = {"top",       "skip",        "search",      "filter",       "count",           "select",
                           "orderby",   "expand",      "returnAll",   "incremental",  "startAt",         "endBefore",
                           "lateWindowS", "pageSize",  "concurrency", "maxTries",     "retryDelayMs",    "retryMaxDelayMs",
                           "retryBudgetS", "requestTimeoutS"};
    for (rapidjson::SizeType i = 0; i < 20; ++i) CHECK(std::string(options[i]["name"].GetString()) == order[i]);
    CHECK(std::string(options[0]["type"].GetString()) == "number");
    // Top starts empty once added (the node has no default for it), its example the placeholder.
    CHECK(options[0]["default"].IsNull());
    CHECK(std::string(options[0]["placeholder"].GetString()) == "50");
    CHECK(!options[0].HasMember("displayOptions"));
    CHECK(options[13]["displayOptions"]["show"]["returnAll"][0].GetBool());  // Page Size only under Return All
    CHECK(options[14]["displayOptions"]["show"]["returnAll"][0].GetBool());
    for (rapidjson::SizeType i = 10; i <= 12; ++i)  // the checkpoint's options only under Incremental
        CHECK(options[i]["displayOptions"]["show"]["incremental"][0].GetBool());
    CHECK(options[0]["typeOptions"]["minValue"].GetInt() == 0);
    CHECK(std::string(options[4]["type"].GetString()) == "boolean");

    const auto &period = d["nodes"][1]["properties"][0];
    CHECK(std::string(period["type"].GetString()) == "json");
    // The period starts empty: its example, a real range, is only the placeholder (a form
    // holding it purged that range when run untouched). Dry Run starts on in the form.
    CHECK(std::string(period["default"].GetString()) == "");
    CHECK(testsupport::parse(period["placeholder"].GetString()) ==
          schema_file("purgeChats")["properties"]["period"]["examples"][0]);
    const auto &purge_options = d["nodes"][1]["properties"][2];
    CHECK(purge_options["default"] == testsupport::parse(R"({"dryRun": true})"));
    CHECK(purge_options["options"][0]["default"].GetBool());  // Dry Run, once added, starts on too

    // The 3CX node: a Resource dropdown, then one Operation dropdown per resource (shown for
    // it, offering its operations only: "x-choices-by"), each operation's fields under it.
    const auto &xapi = d["nodes"][2];
    CHECK(std::string(xapi["name"].GetString()) == "threecxXapi");
    const auto &fields = xapi["properties"];
    CHECK(std::string(fields[0]["name"].GetString()) == "resource");
    CHECK(std::string(fields[0]["type"].GetString()) == "options");
    REQUIRE(fields[0]["options"].Size() == 132);
    std::map<std::string, std::string> resource_names;
    for (const auto &o : fields[0]["options"].GetArray()) resource_names[o["value"].GetString()] = o["name"].GetString();
    CHECK(resource_names["WebsiteLinks"] == "Website Links");
    CHECK(resource_names["AISettings"] == "AI Settings");
    std::map<std::string, const rapidjson::Value *> operation_of;  // resource -> its Operation property
    rapidjson::SizeType operations = 0;
    for (const auto &f : fields.GetArray()) {
        if (std::string(f["name"].GetString()) != "operation") continue;
        REQUIRE(f["displayOptions"]["show"]["resource"].Size() == 1);
        operation_of[f["displayOptions"]["show"]["resource"][0].GetString()] = &f;
        operations += f["options"].Size();
    }
    CHECK(operation_of.size() == 132);
    CHECK(operations == 601);
    REQUIRE(operation_of.contains("ActiveCalls"));
    const auto &active_calls = *operation_of["ActiveCalls"];
    CHECK(active_calls == fields[1]);
    CHECK(active_calls["default"] == "ListActiveCall");  // the schema's default, in its group
    REQUIRE(active_calls["options"].Size() == 2);
    CHECK(active_calls["options"][1]["value"] == "DropCall");
    CHECK(active_calls["options"][1]["name"] == "Drop Call");
    CHECK(active_calls["options"][1]["description"] == "Invoke action DropCall");
    REQUIRE(operation_of.contains("WebsiteLinks"));
    CHECK((*operation_of["WebsiteLinks"])["default"] == "ListWeblink");  // the group's first
    bool link_shown = false;
    for (const auto &f : fields.GetArray())
        if (std::string(f["name"].GetString()) == "Link") {
            CHECK(std::string(f["displayName"].GetString()) == "Link");
            for (const auto &op : f["displayOptions"]["show"]["operation"].GetArray())
                link_shown = link_shown || std::string(op.GetString()) == "GetWeblink";
        } else if (std::string(f["name"].GetString()) == "clientTimeZone") {
            CHECK(std::string(f["displayName"].GetString()) == "Client Time Zone");
        }
    CHECK(link_shown);
    CHECK(fields[fields.Size() - 1]["default"] == testsupport::parse(R"({"dryRun": true})"));  // Options: a form starts as a dry run

    const auto &cred = d["credentials"][0]["properties"];
    CHECK(std::string(cred[2]["name"].GetString()) == "apiKey");
    CHECK(cred[2]["typeOptions"]["password"].GetBool());
    CHECK(cred[3]["default"].GetBool() == false);
}
