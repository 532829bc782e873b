// Plugin discovery: hosts find plugins on a search path instead of being told each file.
// The path is every folder of WFNODE_PLUGIN_PATH (colon separated), then the install's plugin
// folder, found relative to this loader library, so a moved install still finds its plugins.
#pragma once

#include <wfnode/export.hpp>
#include <wfnode/loader.hpp>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace wfnode {

// The folders searched, in order: WFNODE_PLUGIN_PATH's entries (empty ones skipped), then
// installed_plugin_dir().
WFNODE_LOADER_API std::vector<std::string> plugin_search_path();

// The install's plugin folder: lib/wfnode/plugins beside this loader library (found with
// dladdr), whether or not it exists.
WFNODE_LOADER_API std::string installed_plugin_dir();

// Two plugins offer the same node type (or credential type), and the host asked for it.
class WFNODE_LOADER_API DiscoveryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Every plugin found on a search path, loaded. Within a folder files are taken in name
// order. A plugin whose id an earlier file already has is shadowed (the earlier folder wins,
// as with PATH); a file that is no loadable plugin is skipped with a warning.
class WFNODE_LOADER_API PluginCatalog {
public:
    // Loads every "*.so" file of `folders` (missing folders are fine). `warn` receives one
    // line per skipped file.
    static PluginCatalog discover(const std::vector<std::string> &folders = plugin_search_path(),
                                  const std::function<void(const std::string &)> &warn = {});

    PluginCatalog();
    ~PluginCatalog();
    PluginCatalog(PluginCatalog &&) noexcept;
    PluginCatalog &operator=(PluginCatalog &&) noexcept;

    // The plugins kept, in search order.
    std::vector<const Plugin *> plugins() const;
    // Files not kept because an earlier plugin has the same id: "PATH (shadowed by PATH2)".
    std::vector<std::string> shadowed() const;
    // One line per node or credential type that two plugins offer.
    std::vector<std::string> conflicts() const;

    // The one plugin offering node type `type`, or nullptr; throws DiscoveryError when two do.
    const Plugin *find_node(std::string_view type) const;
    // The same for a credential type.
    const Plugin *find_credential(std::string_view name) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wfnode
