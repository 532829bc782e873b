#include "xapi/odata.hpp"

#include <fmt/format.h>
#include <wfplugin/json.hpp>

#include <cctype>

namespace threecx::xapi {

namespace json = wfplugin::json;

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

NodeError api_error(http::Exchange &answer, const std::string &what) {
    std::string body = answer.read_all(http::Exchange::error_body_cap);
    return api_error(static_cast<int>(answer.status()), answer.content_type(), body, what);
}

std::optional<ErrorBody> parse_error_body(std::string_view body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    const rapidjson::Value *err = doc.HasParseError() ? nullptr : json::find(doc, "error");
    if (!err) return std::nullopt;
    auto text = [](const rapidjson::Value *v) { return v && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : ""; };
    if (err->IsString()) return ErrorBody{text(err), text(json::find(doc, "error_description"))};
    if (!err->IsObject()) return std::nullopt;
    ErrorBody out{text(json::find(*err, "code")), text(json::find(*err, "message"))};
    if (!json::find(*err, "message")) out.message = json::stringify(*err);
    if (const auto *d = json::find(*err, "details"); d && d->IsArray())
        for (const auto &x : d->GetArray())
            if (auto m = text(json::find(x, "message")); !m.empty()) out.message += "; " + m;
    return out;
}

NodeError api_error(int http_status, const std::string &content_type, const std::string &body,
                    const std::string &what) {
    wfnode_status status = (http_status == 401 || http_status == 403) ? WFNODE_ERR_AUTH : WFNODE_ERR_API;
    if (auto e = parse_error_body(body))
        return NodeError(status,
                         fmt::format("{} failed: HTTP {}{}: {}", what, http_status, e->code.empty() ? "" : " " + e->code,
                                     e->message),
                         {}, http_status, e->code);
    std::string excerpt;
    for (char ch : body.substr(0, 200)) excerpt += (ch == '\n' || ch == '\r' || ch == '\t') ? ' ' : ch;
    if (body.size() > 200) excerpt += "...";
    return NodeError(status,
                     fmt::format("{} failed: HTTP {} with a {} body that is not an OData error: {}", what, http_status,
                                 content_type.empty() ? "non-JSON" : content_type, excerpt.empty() ? "(empty)" : excerpt),
                     {}, http_status);
}

}  // namespace threecx::xapi
