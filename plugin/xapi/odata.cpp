#include "xapi/odata.hpp"

#include "http.hpp"
#include "json.hpp"

#include <fmt/format.h>

#include <cctype>

namespace threecx::xapi {

std::string string_literal(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        out += c;
        if (c == '\'') out += '\'';
    }
    return out + "'";
}

std::string download_chat_history_path(std::string_view time_zone) {
    return "/ChatHistoryView/Pbx.DownloadChatHistory(clientTimeZone=" + http::percent_encode(string_literal(time_zone)) + ")";
}

std::string normalise_list(std::string_view list) {
    std::string out;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find(',', start);
        if (end == std::string_view::npos) end = list.size();
        auto item = list.substr(start, end - start);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.remove_prefix(1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.remove_suffix(1);
        if (!item.empty()) {
            if (!out.empty()) out += ',';
            out += item;
        }
        start = end + 1;
    }
    return out;
}

std::string search_phrase(std::string_view phrase) {
    bool quoted = phrase.size() >= 2 && phrase.front() == '"' && phrase.back() == '"';
    bool has_space = phrase.find_first_of(" \t") != std::string_view::npos;
    if (quoted || !has_space) return std::string(phrase);
    // Inside an OData $search phrase a double quote is escaped with a backslash.
    std::string out = "\"";
    for (char c : phrase) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string query_string(const std::vector<std::pair<std::string, std::string>> &options) {
    std::string out;
    for (const auto &[name, value] : options) {
        out += out.empty() ? '?' : '&';
        out += name;  // our own constants ("$top"): '$' is legal in a query, as OData clients send it
        out += '=';
        out += http::percent_encode(value);
    }
    return out;
}

NodeError api_error(http::Response &response, const std::string &what) {
    std::string body = response.read_all(http::Response::error_body_cap);
    return api_error(static_cast<int>(response.status()), response.content_type(), body, what);
}

NodeError api_error(int http_status, const std::string &content_type, const std::string &body,
                    const std::string &what) {
    wfnode_status status = (http_status == 401 || http_status == 403) ? WFNODE_ERR_AUTH : WFNODE_ERR_API;
    rapidjson::Document doc;
    doc.Parse(body.c_str(), body.size());
    if (!doc.HasParseError() && doc.IsObject()) {
        const auto *err = json::find(doc, "error");
        if (err && err->IsObject()) {
            const auto *code = json::find(*err, "code");
            const auto *message = json::find(*err, "message");
            std::string c = code && code->IsString() ? code->GetString() : "";
            std::string m = message && message->IsString() ? message->GetString() : json::stringify(*err);
            std::string details;
            if (const auto *d = json::find(*err, "details"); d && d->IsArray())
                for (const auto &x : d->GetArray())
                    if (const auto *dm = json::find(x, "message"); dm && dm->IsString())
                        details += std::string("; ") + dm->GetString();
            return NodeError(status,
                             fmt::format("{} failed: HTTP {}{}: {}{}", what, http_status, c.empty() ? "" : " " + c, m,
                                         details),
                             {}, http_status, c);
        }
    }
    std::string excerpt;
    for (char ch : body.substr(0, 200)) excerpt += (ch == '\n' || ch == '\r' || ch == '\t') ? ' ' : ch;
    if (body.size() > 200) excerpt += "...";
    return NodeError(status,
                     fmt::format("{} failed: HTTP {} with a {} body that is not an OData error: {}", what, http_status,
                                 content_type.empty() ? "non-JSON" : content_type, excerpt.empty() ? "(empty)" : excerpt),
                     {}, http_status);
}

}  // namespace threecx::xapi
