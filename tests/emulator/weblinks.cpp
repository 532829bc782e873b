#include "weblinks.hpp"

#include "odata_error.hpp"
#include "odata_query.hpp"

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>

namespace emulator {
namespace {

std::string quoted(const std::string &s) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
    return b.GetString();
}

}  // namespace

Weblinks::Weblinks() {
    auto add = [&](const std::string &link, int n) {
        links_[link] = fmt::format(R"({{"Link":{},"Name":"Link {}","Group":"Sales","ChatEnabled":true}})", quoted(link), n);
    };
    for (int i = 1; i <= 25; ++i) add(fmt::format("link-{:02}", i), i);
    add("O'Brien", 26);
}

void Weblinks::list(const httplib::Request &req, httplib::Response &res) {
    std::lock_guard lock(mutex_);
    auto number = [&](const char *name, size_t fallback) -> std::optional<size_t> {
        if (!req.has_param(name)) return fallback;
        try {
            return std::stoul(req.get_param_value(name));
        } catch (const std::exception &) {
            return std::nullopt;
        }
    };
    auto top = number("$top", links_.size()), skip = number("$skip", 0);
    if (!top || !skip) return odata_error(res, 400, "BadRequest", "$top and $skip must be whole numbers");
    std::string body = req.get_param_value("$count") == "true" ? fmt::format(R"({{"@odata.count":{},"value":[)", links_.size())
                                                               : std::string(R"({"value":[)");
    size_t at = 0, sent = 0;
    for (const auto &[link, json] : links_) {
        if (at++ < *skip || sent >= *top) continue;
        body += (sent++ ? "," : "") + json;
    }
    res.set_content(body + "]}", "application/json");
}

void Weblinks::get(const httplib::Request &, httplib::Response &res, const std::string &literal) {
    std::lock_guard lock(mutex_);
    auto key = string_literal(literal);
    if (!key) return odata_error(res, 400, "BadRequest", "The key is not an OData string literal: " + literal);
    auto it = links_.find(*key);
    if (it == links_.end()) return odata_error(res, 404, "NotFound", "No Weblink " + *key);
    res.set_content(it->second, "application/json");
}

void Weblinks::remove(const httplib::Request &req, httplib::Response &res, const std::string &literal) {
    std::lock_guard lock(mutex_);
    auto key = string_literal(literal);
    if (!key) return odata_error(res, 400, "BadRequest", "The key is not an OData string literal: " + literal);
    if (!req.has_header("If-Match")) return odata_error(res, 428, "PreconditionRequired", "If-Match is required");
    if (links_.erase(*key) == 0) return odata_error(res, 404, "NotFound", "No Weblink " + *key);
    res.status = 204;
}

}  // namespace emulator
