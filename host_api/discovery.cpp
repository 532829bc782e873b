#include <wfnode/discovery.hpp>

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#ifndef WFNODE_PLUGIN_SUBDIR
#define WFNODE_PLUGIN_SUBDIR "wfnode/plugins"
#endif

namespace wfnode {
namespace fs = std::filesystem;

std::vector<std::string> plugin_search_path() {
    std::vector<std::string> out;
    if (const char *env = std::getenv("WFNODE_PLUGIN_PATH")) {
        std::string_view rest(env);
        while (true) {
            size_t colon = rest.find(':');
            std::string_view entry = rest.substr(0, colon);
            if (!entry.empty()) out.emplace_back(entry);
            if (colon == std::string_view::npos) break;
            rest.remove_prefix(colon + 1);
        }
    }
    out.push_back(installed_plugin_dir());
    return out;
}

std::string installed_plugin_dir() {
    // Relative to this library's own file, so the install can be moved (no build path).
    Dl_info info{};
    if (!dladdr(reinterpret_cast<void *>(&installed_plugin_dir), &info) || !info.dli_fname) return {};
    std::error_code ec;
    fs::path self = fs::canonical(info.dli_fname, ec);
    if (ec) self = info.dli_fname;
    return (self.parent_path() / WFNODE_PLUGIN_SUBDIR).string();
}

struct PluginCatalog::Impl {
    std::vector<std::unique_ptr<Plugin>> plugins;
    std::vector<std::string> shadowed;
    // type -> the plugins offering it, in search order
    std::map<std::string, std::vector<const Plugin *>, std::less<>> nodes, credentials;

    const Plugin *find(const std::map<std::string, std::vector<const Plugin *>, std::less<>> &index,
                       std::string_view what, std::string_view name) const {
        auto it = index.find(name);
        if (it == index.end()) return nullptr;
        if (it->second.size() > 1) throw DiscoveryError(conflict_line(what, it->first, it->second));
        return it->second.front();
    }

    static std::string conflict_line(std::string_view what, const std::string &name, const std::vector<const Plugin *> &by) {
        std::string line = std::string(what) + " \"" + name + "\" is offered by " + std::to_string(by.size()) +
                           " plugins: ";
        for (size_t i = 0; i < by.size(); ++i) line += (i ? " and " : "") + by[i]->path();
        return line + "; remove one from the plugin path or name one with --plugin";
    }
};

PluginCatalog::PluginCatalog() : impl_(std::make_unique<Impl>()) {}
PluginCatalog::~PluginCatalog() = default;
PluginCatalog::PluginCatalog(PluginCatalog &&) noexcept = default;
PluginCatalog &PluginCatalog::operator=(PluginCatalog &&) noexcept = default;

PluginCatalog PluginCatalog::discover(const std::vector<std::string> &folders,
                                      const std::function<void(const std::string &)> &warn) {
    PluginCatalog catalog;
    Impl &c = *catalog.impl_;
    std::set<fs::path> seen_files;
    std::map<std::string, std::string> path_of_id;
    for (const auto &folder : folders) {
        std::error_code ec;
        std::vector<fs::path> files;
        for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
            if (it->path().extension() == ".so" && it->is_regular_file(ec)) files.push_back(it->path());
        std::sort(files.begin(), files.end());
        for (const auto &file : files) {
            fs::path real = fs::canonical(file, ec);
            if (ec) real = file;
            if (!seen_files.insert(real).second) continue;  // one folder named twice, or a link
            std::unique_ptr<Plugin> plugin;
            try {
                plugin = std::make_unique<Plugin>(file.string());
            } catch (const LoadError &e) {
                if (warn) warn(std::string("skipped, not a usable plugin: ") + e.what());
                continue;
            }
            const std::string id = plugin->api().id ? plugin->api().id : "";
            if (auto [it, fresh] = path_of_id.emplace(id, file.string()); !fresh) {
                c.shadowed.push_back(file.string() + " (shadowed by " + it->second + ")");
                continue;
            }
            for (const auto *d : plugin->nodes()) c.nodes[d->type].push_back(plugin.get());
            for (const auto *d : plugin->credentials()) c.credentials[d->name].push_back(plugin.get());
            c.plugins.push_back(std::move(plugin));
        }
    }
    return catalog;
}

std::vector<const Plugin *> PluginCatalog::plugins() const {
    std::vector<const Plugin *> out;
    for (const auto &p : impl_->plugins) out.push_back(p.get());
    return out;
}

std::vector<std::string> PluginCatalog::shadowed() const { return impl_->shadowed; }

std::vector<std::string> PluginCatalog::conflicts() const {
    std::vector<std::string> out;
    for (const auto &[name, by] : impl_->nodes)
        if (by.size() > 1) out.push_back(Impl::conflict_line("node type", name, by));
    for (const auto &[name, by] : impl_->credentials)
        if (by.size() > 1) out.push_back(Impl::conflict_line("credential type", name, by));
    return out;
}

const Plugin *PluginCatalog::find_node(std::string_view type) const { return impl_->find(impl_->nodes, "node type", type); }

const Plugin *PluginCatalog::find_credential(std::string_view name) const {
    return impl_->find(impl_->credentials, "credential type", name);
}

}  // namespace wfnode
