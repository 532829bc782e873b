// A third node, registered as the README says (tests/CMakeLists.txt builds the plugin with
// nodes/node_list.cpp plus one line): the host sees it beside the 3CX nodes, it runs without
// a credential, and its schema is enforced like theirs.
#include "plugin_runner.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace testsupport;

TEST_CASE("a third node registered with one source file, one schema and one list line") {
    wfnode::Plugin p(THIRD_NODE_PLUGIN_PATH);
    auto nodes = p.nodes();
    REQUIRE(nodes.size() == 4);
    CHECK(std::string(nodes[0]->type) == "threecx.downloadChatHistory");
    CHECK(std::string(nodes[1]->type) == "threecx.purgeChats");
    CHECK(std::string(nodes[2]->type) == "threecx.xapi");
    CHECK(std::string(nodes[3]->type) == "test.echo");
    CHECK(nodes[3]->credential_type == nullptr);
    CHECK(std::string(nodes[3]->schema_json).find("\"Echo\"") != std::string::npos);
    // Credential types follow from the nodes: still just one.
    REQUIRE(p.credentials().size() == 1);
    CHECK(std::string(p.credentials()[0]->name) == "threecxApi");

    auto ok = execute_on(p, "test.echo", R"({"message":"hi","times":2})", "null", {"{}", "{}"});
    CHECK(ok.status == WFNODE_OK);
    REQUIRE(ok.items.size() == 4);
    CHECK(ok.items[0].json == R"({"echo":"hi","item":0})");
    CHECK(ok.items[3].paired == 1);
    CHECK(ok.items[3].json == R"({"echo":"hi","item":1})");

    auto bad = execute_on(p, "test.echo", R"({"message":"hi","times":11})", "null");
    CHECK(bad.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].field == "times");
    CHECK(bad.items.empty());

    // The 3CX nodes in the same plugin still validate with their own schema and credential.
    auto missing = execute_on(p, "threecx.downloadChatHistory", "{}", "null");
    CHECK(missing.status == WFNODE_ERR_INVALID_INPUT);
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0].field == "credentials");
}
