// OData conventions of the XAPI: literals, query strings, error bodies.
#pragma once

#include <wfplugin/http.hpp>
#include <wfplugin/node_error.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace threecx::xapi {

namespace http = wfplugin::http;
using wfplugin::NodeError;

// An OData string literal: single-quoted, inner quotes doubled ("O'Brien" -> "'O''Brien'").
std::string string_literal(std::string_view s);

// "/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone=%27Europe%2FBerlin%27)": the
// zone as a string literal, percent-encoded whole into the path, as 3CX's own client sends it.
std::string download_chat_history_path(std::string_view time_zone);

// "a, b ,c" -> "a,b,c": trims each comma-separated item and drops empty ones.
std::string normalise_list(std::string_view list);

// The $search value: a phrase with whitespace that is not already quoted gets quoted.
std::string search_phrase(std::string_view phrase);

// "?$top=5&$filter=..." from name/value pairs, every value percent-encoded; "" when empty.
std::string query_string(const std::vector<std::pair<std::string, std::string>> &options);

// What an error body says, in either shape the XAPI answers with: OData's
// {"error": {"code", "message", "details": [{"message"}...]}} (the API) or OAuth2's
// {"error": "code", "error_description": "..."} (the token endpoint). nullopt for any other body.
struct ErrorBody {
    std::string code;
    std::string message;  // with the details' messages appended, "; "-separated
};
std::optional<ErrorBody> parse_error_body(std::string_view body);

// The error a non-2xx answer becomes: the error body's code and message when it is one,
// otherwise the status and a short excerpt of whatever came (a proxy's HTML page).
NodeError api_error(int http_status, const std::string &content_type, const std::string &body,
                    const std::string &what);

// The same for an answer whose body has not been read yet: reads it (capped) first.
NodeError api_error(http::Exchange &answer, const std::string &what);

}  // namespace threecx::xapi
