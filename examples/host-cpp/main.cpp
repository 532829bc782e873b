// A small C++ host: finds the plugin offering Download Chat History on the plugin search
// path, shows the versions, offers the PBX's time zones, and downloads a few chats.
// Usage: host-cpp CREDENTIALS.json   (the threecxApi credential; a file keeps the key off argv)
#include <wfnode/discovery.hpp>
#include <wfnode/loader.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char **argv) {
    if (argc != 2) {
        std::cerr << "usage: host-cpp CREDENTIALS.json\n";
        return 2;
    }
    std::ifstream file(argv[1]);
    std::stringstream credentials;
    credentials << file.rdbuf();
    try {
        auto catalog = wfnode::PluginCatalog::discover(wfnode::plugin_search_path(),
                                                       [](const std::string &w) { std::cerr << "warning: " << w << "\n"; });
        const wfnode::Plugin *plugin = catalog.find_node("threecx.downloadChatHistory");
        if (!plugin) {
            std::cerr << "no plugin offers threecx.downloadChatHistory; set WFNODE_PLUGIN_PATH\n";
            return 1;
        }
        const auto &v = plugin->api().abi_version;
        std::cout << "loader ABI " << wfnode::loader_abi_version() << "; plugin " << plugin->api().id << " "
                  << plugin->api().version << " (ABI " << v.major << "." << v.minor << "." << v.patch << ")\n";

        int errors = 0, zones = 0, chats = 0;
        wfnode::ExecuteCallbacks cb;
        cb.on_error = [&](const wfnode::Error &e) {
            ++errors;
            std::cerr << "error: " << e.message << "\n";
        };
        cb.on_item = [&](uint32_t, std::string_view choice) {
            ++zones;
            std::cout << "zone " << choice << "\n";
            return true;
        };
        wfnode::OptionsCall ask{"threecx.downloadChatHistory", "clientTimeZone", "{}", credentials.str()};
        if (!plugin->load_options(ask, cb)) std::cout << "the plugin offers no choices\n";

        cb.on_item = [&](uint32_t, std::string_view chat) {
            ++chats;
            std::cout << "chat " << chat.substr(0, 80) << "\n";
            return true;
        };
        wfnode::ExecuteCall call;
        call.node_type = "threecx.downloadChatHistory";
        call.parameters = R"({"clientTimeZone": "Europe/Berlin", "options": {"top": 3}})";
        call.credentials = credentials.str();
        call.items = {"{}"};
        wfnode_status status = plugin->execute(call, cb);
        std::cout << zones << " zones, " << chats << " chats, status " << wfnode::status_name(status) << "\n";
        return status == WFNODE_OK && errors == 0 && zones > 0 && chats == 3 ? 0 : 1;
    } catch (const std::exception &e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
