// The @odata.nextLink of a page a server cut short, as ASP.NET OData writes it: the same URL
// with the request's other query options as they came, then where the rest starts ($skip, or
// an opaque $skiptoken) and, when the request had a $top, what is left of it. A client must
// follow it as it is, never adding its own options.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>

namespace emulator {

// `resume`: "$skip=40" or "$skiptoken=o28"; `top_left`: the request's $top less what came.
std::string next_page_link(const httplib::Request &req, bool tls, const std::string &resume, std::optional<size_t> top_left);

}  // namespace emulator
