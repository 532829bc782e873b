#include "time_zones.hpp"

#include <wfplugin/json.hpp>
#include <wfplugin/node_error.hpp>

#include <fmt/format.h>

#include <set>
#include <string>

namespace threecx {

namespace json = wfplugin::json;

// At most this many pages of Defs/TimeZones. 3CX's description gives the list no paging at
// all (one page of the PBX's ~140 Windows zones), and even a server paging at 20 zones a page
// fits all 598 IANA names in 30 pages; a server that links to one more page for ever is told
// as an error naming this bound (the plugin's options layer bounds the choices themselves).
constexpr size_t max_time_zone_pages = 100;

// 3CX's description gives Defs/TimeZones as an OData collection of Pbx.TimeZone
// {Id, Name, IanaName, WindowsName}, and says nothing of its order or of paging: choices come
// in the server's order, next links are followed, and a zone without an IANA name is left
// out (the node accepts IANA names only).
void time_zone_options(xapi::Client &client, wfplugin::ExecutionContext &ctx, const wfplugin::ChoiceSink &emit) {
    const xapi::RequestOptions options;
    std::set<std::string> links;  // a server repeating a link would loop forever
    std::string next = "/Defs/TimeZones";
    while (!next.empty()) {
        if (links.size() == max_time_zone_pages)
            throw wfplugin::NodeError(WFNODE_ERR_API,
                                      fmt::format("the server's Defs/TimeZones answer goes on past {} pages, the most "
                                                  "this plugin follows; no time zones are offered",
                                                  max_time_zone_pages));
        if (!links.insert(next).second)
            throw wfplugin::NodeError(WFNODE_ERR_API, "the server sent the same Defs/TimeZones page link twice");
        auto page = client.get_collection(
            next,
            [&](const xapi::Record &record) {
                auto zone = json::parse(record.json, "time zone");
                const auto *iana = json::find(zone, "IanaName");
                if (!iana || !iana->IsString() || iana->GetStringLength() == 0) return;
                const auto *name = json::find(zone, "Name");
                const auto *windows = json::find(zone, "WindowsName");
                wfplugin::Choice c;
                c.value = iana->GetString();
                c.name = name && name->IsString() && name->GetStringLength() ? name->GetString() : c.value;
                if (windows && windows->IsString()) c.description = windows->GetString();
                emit(c);
            },
            {}, options);
        ctx.check_cancelled();
        next = page.next_link;
    }
}

}  // namespace threecx
