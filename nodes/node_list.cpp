// The one list of what this plugin registers: its identity and its nodes, in the order hosts
// show them (credential types follow from the nodes). Adding a node takes a source file in
// nodes/ defining threecx::<name>(), its schema in schemas/, and one line in this list.
#include <wfplugin/catalog.hpp>

#define THREECX_NODES(NODE)     \
    NODE(download_chat_history) \
    NODE(purge_chats)           \
    NODE(xapi_node)

namespace threecx {
#define THREECX_DECLARE_NODE(name) const wfplugin::Node &name();
THREECX_NODES(THREECX_DECLARE_NODE)
}  // namespace threecx

const wfplugin::Catalog &wfplugin::plugin_catalog() {
#define THREECX_LIST_NODE(name) &threecx::name(),
    static const Catalog catalog{"com.threecx.wfnode", "3CX", THREECX_PLUGIN_VERSION, {THREECX_NODES(THREECX_LIST_NODE)}};
    return catalog;
}
