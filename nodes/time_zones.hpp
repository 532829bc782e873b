// The "timeZones" options source: the zones the PBX knows, from GET /xapi/v1/Defs/TimeZones,
// offered as the choices of Download Chat History's clientTimeZone.
#pragma once

#include "xapi/client.hpp"

#include <wfplugin/execution_context.hpp>
#include <wfplugin/options.hpp>

#include <string_view>

namespace threecx {

// The options source "timeZones": one choice per zone of the PBX with an IANA name, over at
// most 100 pages (the options layer then offers only the names the node accepts).
inline constexpr const char *time_zones_source = "timeZones";
void time_zone_options(xapi::Client &client, wfplugin::ExecutionContext &ctx, const wfplugin::ChoiceSink &emit);

}  // namespace threecx
