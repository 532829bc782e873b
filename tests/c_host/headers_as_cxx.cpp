// The ABI headers compile as C++ too (with -pedantic -Werror), and their structs are C layout.
#include <wfnode/wfnode.h>

#include <type_traits>

static_assert(std::is_standard_layout_v<wfnode_plugin>);
static_assert(std::is_standard_layout_v<wfnode_host>);
static_assert(offsetof(wfnode_plugin, abi_version) == 0, "abi_version must stay first");

int main() { return WFNODE_VERSION_MAJOR == 1 ? 0 : 1; }
