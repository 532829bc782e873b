// ISO 8601 instants for the plugin: common's (wfcommon/iso8601.hpp), the same nodehost uses.
#pragma once

#include <wfcommon/iso8601.hpp>

namespace wfplugin::iso8601 {

using wfcommon::iso8601::format;
using wfcommon::iso8601::parse;
using wfcommon::iso8601::TimePoint;

}  // namespace wfplugin::iso8601
