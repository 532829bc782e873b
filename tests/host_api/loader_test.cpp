// The C++ loader: each way a file can fail to be our plugin gives its own clear message.
#include <wfnode/loader.hpp>

#include <doctest/doctest.h>

#include <string>

using wfnode::LoadError;

namespace {

LoadError load_error(const std::string &path) {
    try {
        wfnode::Plugin p(path);
    } catch (const LoadError &e) {
        return e;
    }
    FAIL("expected a LoadError for " << path);
    return LoadError(LoadError::Kind::not_loadable, "");
}

}  // namespace

TEST_CASE("the plugin loads, passes the version check and lists its three nodes") {
    wfnode::Plugin p(PLUGIN_PATH);
    CHECK(p.api().abi_version.major == WFNODE_VERSION_MAJOR);
    auto nodes = p.nodes();
    REQUIRE(nodes.size() == 3);
    CHECK(std::string(nodes[0]->type) == "threecx.downloadChatHistory");
    CHECK(std::string(nodes[0]->display_name) == "Download Chat History");
    CHECK(std::string(nodes[1]->type) == "threecx.purgeChats");
    CHECK(std::string(nodes[1]->display_name) == "Purge Chats");
    CHECK(std::string(nodes[2]->type) == "threecx.xapi");
    CHECK(std::string(nodes[2]->display_name) == "3CX");
    CHECK(std::string(nodes[0]->credential_type) == "threecxApi");
    REQUIRE(p.find_credential("threecxApi") != nullptr);
    CHECK(std::string(p.find_credential("threecxApi")->display_name) == "3CX API");
    CHECK(p.api().node_get(3) == nullptr);
}

TEST_CASE("a plugin can be loaded twice (init is reference-counted) and moved") {
    wfnode::Plugin a(PLUGIN_PATH);
    wfnode::Plugin b(PLUGIN_PATH);
    wfnode::Plugin c(std::move(a));
    CHECK(c.nodes().size() == 3);
    CHECK(b.nodes().size() == 3);
}

TEST_CASE("a missing file") {
    auto e = load_error("/nonexistent/libnothing.so");
    CHECK(e.kind == LoadError::Kind::file_not_found);
    CHECK(std::string(e.what()) == "plugin not found: /nonexistent/libnothing.so");
}

TEST_CASE("a file that is not a shared library") {
    auto e = load_error(NOT_A_LIBRARY_PATH);
    CHECK(e.kind == LoadError::Kind::not_loadable);
    CHECK(std::string(e.what()).find("cannot load") != std::string::npos);
    CHECK(std::string(e.what()).find("as a shared library") != std::string::npos);
}

TEST_CASE("a shared library that is not a plugin") {
    auto e = load_error(NOT_A_PLUGIN_PATH);
    CHECK(e.kind == LoadError::Kind::not_a_plugin);
    CHECK(std::string(e.what()).find("is not a wfnode plugin: it has no wfnode_entry entry point") != std::string::npos);
}

TEST_CASE("a plugin of another ABI major version") {
    auto e = load_error(ABI2_PLUGIN_PATH);
    CHECK(e.kind == LoadError::Kind::incompatible_version);
    CHECK(std::string(e.what()).find("was built for wfnode ABI 2.0; this host supports ABI 1.x") != std::string::npos);
}
