#include "mock_server.hpp"

#include "odata_error.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>

namespace xapimock {
namespace {

constexpr std::string_view service_root = "/xapi/v1";

void write_optional(rapidjson::Writer<rapidjson::StringBuffer> &w, const char *key, const std::optional<std::string> &value) {
    w.Key(key);
    if (value) w.String(value->c_str(), static_cast<rapidjson::SizeType>(value->size()));
    else w.Null();
}

std::string records_json(const std::vector<Received> &records, size_t from) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    auto text = [&](const char *key, const std::string &value) {
        w.Key(key);
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    };
    w.StartArray();
    for (size_t i = from; i < records.size(); ++i) {
        const Received &r = records[i];
        w.StartObject();
        text("operation", r.operation);
        text("method", r.method);
        text("target", r.target);
        write_optional(w, "ifMatch", r.if_match);
        write_optional(w, "contentType", r.content_type);
        text("body", r.body);
        w.Key("status"), w.Int(r.status);
        text("answer", r.answer);
        w.EndObject();
    }
    w.EndArray();
    return b.GetString();
}

}  // namespace

MockServer::MockServer(Config config)
    : config_(std::move(config)), operations_(config_.facts_path),
      tokens_(config_.client_id, config_.client_secret, config_.token_lifetime_s) {}

void MockServer::attach(httplib::Server &server) {
    server.set_tcp_nodelay(true);
    server.set_keep_alive_max_count(1000000);
    server.set_keep_alive_timeout(30);
    server.Post("/connect/token", [this](const httplib::Request &req, httplib::Response &res) {
        {
            std::lock_guard lock(mutex_);
            ++token_requests_;
        }
        tokens_.issue(req, res);
    });
    const std::string every = std::string(service_root) + "/.*";
    auto xapi = [this](const httplib::Request &req, httplib::Response &res) { this->xapi(req, res); };
    server.Get(every, xapi);
    server.Post(every, xapi);
    server.Patch(every, xapi);
    server.Put(every, xapi);
    server.Delete(every, xapi);
    server.Get("/admin/.*", [this](const httplib::Request &req, httplib::Response &res) { admin(req, res); });
}

void MockServer::xapi(const httplib::Request &req, httplib::Response &res) {
    Received r{.operation = {},
               .method = req.method,
               .target = req.target,
               .if_match = req.has_header("If-Match") ? std::optional(req.get_header_value("If-Match")) : std::nullopt,
               .content_type = req.has_header("Content-Type") ? std::optional(req.get_header_value("Content-Type")) : std::nullopt,
               .body = req.body,
               .status = 0,
               .answer = {}};
    const Operation *op = operations_.match(req.method, req.path.substr(service_root.size()));
    if (!tokens_.authorised(req, res)) {
        std::lock_guard lock(mutex_);
        ++unauthorised_;
    } else if (!op) {
        emulator::odata_error(res, 404, "NotFound", "No HTTP resource was found that matches the request URI '" + req.path + "'.");
        std::lock_guard lock(mutex_);
        ++unmatched_;
    } else {
        r.operation = op->id;
        answer(*op, req, res);
    }
    r.status = res.status;
    r.answer = res.body;
    std::lock_guard lock(mutex_);
    if (op) ++per_operation_[op->id];
    received_.push_back(std::move(r));
}

void MockServer::answer(const Operation &op, const httplib::Request &req, httplib::Response &res) {
    if (op.takes_body) {
        rapidjson::Document body;
        body.Parse(req.body.c_str(), req.body.size());
        if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0 || body.HasParseError())
            return emulator::odata_error(res, 400, "BadRequest", op.id + " takes a JSON body (Content-Type: application/json)");
    }
    res.status = 200;
    if (op.response == "none") {
        res.status = 204;
    } else if (op.response == "file") {
        // The description's file answers (application/octet-stream): a few bytes of their own.
        res.set_content(std::string("\x50\x4b\x03\x04mock file of ") + op.id, "application/octet-stream");
    } else if (op.response == "entity") {
        // The facts keep no response schema: the smallest object any entity type admits.
        res.set_content(fmt::format(R"({{"@odata.context":"{}"}})", context(req, op.path.substr(1) + "/$entity")), "application/json; odata.metadata=minimal");
    } else if (op.method == "GET") {
        uint64_t answer = 0;
        {
            std::lock_guard lock(mutex_);
            answer = collection_answers_++;
        }
        try {
            res.set_content(collection_page(op, req, config_.paging, answer), "application/json; odata.metadata=minimal");
        } catch (const OData400 &e) {
            emulator::odata_error(res, 400, "BadRequest", e.message);
        }
    } else {
        res.set_content(action_collection(op, config_.paging), "application/json; odata.metadata=minimal");
    }
}

void MockServer::admin(const httplib::Request &req, httplib::Response &res) {
    std::lock_guard lock(mutex_);
    if (req.path == "/admin/counters") {
        res.set_content(fmt::format(R"({{"requests":{},"tokenRequests":{},"unauthorised":{},"unmatched":{}}})", received_.size(),
                                    token_requests_, unauthorised_, unmatched_),
                        "application/json");
    } else if (req.path == "/admin/operations") {
        std::string body = "{";
        for (const auto &[id, n] : per_operation_) body += fmt::format(R"({}"{}":{})", body.size() > 1 ? "," : "", id, n);
        res.set_content(body + "}", "application/json");
    } else if (req.path == "/admin/requests") {
        std::string body;
        for (const auto &r : received_) body += r.method + " " + r.target + "\n";
        res.set_content(body, "text/plain");
    } else if (req.path == "/admin/received") {
        size_t from = 0;
        if (req.has_param("from")) from = std::min(received_.size(), static_cast<size_t>(std::stoull(req.get_param_value("from"))));
        res.set_content(records_json(received_, from), "application/json");
    } else {
        emulator::odata_error(res, 404, "NotFound", "no such admin endpoint");
    }
}

}  // namespace xapimock
