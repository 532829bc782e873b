// The "timeZones" options source: the zones the PBX knows, from GET /xapi/v1/Defs/TimeZones,
// offered as the choices of Download Chat History's clientTimeZone.
#pragma once

#include "xapi/client.hpp"

#include <wfplugin/execution_context.hpp>
#include <wfplugin/options.hpp>

#include <string_view>

namespace threecx {

// Emits one choice per zone with an IANA name; false for any source other than "timeZones".
bool time_zone_options(std::string_view source, xapi::Client &client, wfplugin::ExecutionContext &ctx,
                       const wfplugin::ChoiceSink &emit);

}  // namespace threecx
