#include "serve.hpp"

#include "commands.hpp"
#include "expressions.hpp"
#include "io.hpp"
#include "node_runner.hpp"

#include <wfnode/loader.hpp>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace nodehost {
namespace {

using rapidjson::Value;

// The replies of every execution thread share stdout: one whole line at a time, flushed, so
// an editor sees each item as soon as it exists.
class Output {
public:
    void line(const std::string &text) {
        std::lock_guard lock(mutex_);
        if (failed_) return;
        if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fputc('\n', stdout) == EOF ||
            std::fflush(stdout) != 0)
            failed_ = true;
    }
    bool failed() {
        std::lock_guard lock(mutex_);
        return failed_;
    }

private:
    std::mutex mutex_;
    bool failed_ = false;
};

// {"id":<id>,"type":<type>, ...members written by `body`}
template <class Body> std::string reply(const std::string &id, const char *type, Body &&body) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("id");
    w.RawValue(id.c_str(), id.size(), rapidjson::kStringType);
    w.Key("type");
    w.String(type);
    body(w);
    w.EndObject();
    return b.GetString();
}

// The error object: message, kind and what else the plugin said (never a secret: the plugin
// keeps credentials out of its messages).
std::string error_object(const wfnode::Error &e) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    write_error_members(w, e, "message", "kind");
    w.EndObject();
    return b.GetString();
}

// One error: "error" inside an execution or an options call (paired with its item when it
// has one), "rejected" for a request that cannot be served at all.
std::string error_line(const std::string &id, const wfnode::Error &e, const char *type = "error") {
    const std::string error = error_object(e);
    return reply(id, type, [&](auto &w) {
        w.Key("pairedItem");
        if (e.item_index == WFNODE_NO_ITEM) w.Null();
        else w.Uint(e.item_index);
        w.Key("error");
        w.RawValue(error.c_str(), error.size(), rapidjson::kObjectType);
    });
}

std::string request_error(const std::string &id, const std::string &message) {
    wfnode::Error e;
    e.status = WFNODE_ERR_INVALID_INPUT;
    e.item_index = WFNODE_NO_ITEM;
    e.message = message;
    return error_line(id, e, "rejected");
}

const Value *member(const Value &v, const char *name) {
    auto it = v.FindMember(name);
    return it == v.MemberEnd() ? nullptr : &it->value;
}

std::string string_member(const Value &v, const char *name) {
    const Value *m = member(v, name);
    if (!m || !m->IsString() || m->GetStringLength() == 0) throw UsageError(std::string("\"") + name + "\" must be a non-empty string");
    return m->GetString();
}

std::string object_or_null(const Value &v, const char *name, const char *absent) {
    const Value *m = member(v, name);
    if (!m) return absent;
    if (!m->IsObject() && !m->IsNull()) throw UsageError(std::string("\"") + name + "\" must be an object or null");
    return to_json(*m);
}

struct Execution {
    std::atomic<bool> cancelled{false};
    std::atomic<bool> finished{false};
    std::thread thread;
};

class Server {
public:
    explicit Server(const std::string &plugin_path) : plugin_(plugin_path) {}

    ~Server() {
        for (auto &[id, e] : running_)
            if (e->thread.joinable()) e->thread.join();
    }

    void handle(const std::string &text) {
        std::string id = "null";
        try {
            auto request = parse_json(text, "the request");
            if (!request.IsObject()) throw UsageError("a request must be a JSON object");
            if (const Value *i = member(request, "id")) {
                if (!i->IsString() && !i->IsNumber()) throw UsageError("\"id\" must be a string or a number");
                id = to_json(*i);
            }
            const std::string op = string_member(request, "op");
            if (op == "describe") describe(id, request);
            else if (op == "execute") execute(id, request);
            else if (op == "options") options(id, request);
            else if (op == "cancel") cancel(id, request);
            else throw UsageError("unknown op \"" + op + "\" (describe, execute, options or cancel)");
        } catch (const std::exception &e) {
            out_.line(request_error(id, e.what()));
        }
    }

    bool output_failed() { return out_.failed(); }

private:
    void describe(const std::string &id, const Value &r) {
        const Value *f = member(r, "format");
        const Value *n = member(r, "node");
        auto doc = describe_plugin(plugin_, n && n->IsString() ? n->GetString() : "",
                                   f && f->IsString() ? f->GetString() : "json-schema");
        out_.line(reply(id, "result", [&](auto &w) {
            w.Key("result");
            doc.Accept(w);
        }));
    }

    void cancel(const std::string &id, const Value &r) {
        const Value *target = member(r, "execution");
        if (!target || (!target->IsString() && !target->IsNumber()))
            throw UsageError("\"execution\" must be the id of an execution");
        bool found = false;
        {
            std::lock_guard lock(mutex_);
            auto it = running_.find(to_json(*target));
            if (it != running_.end()) {
                it->second->cancelled.store(true);
                found = true;
            }
        }
        out_.line(reply(id, "result", [&](auto &w) {
            w.Key("result");
            w.StartObject();
            w.Key("cancelled");
            w.Bool(found);
            w.EndObject();
        }));
    }

    void options(const std::string &id, const Value &r) {
        wfnode::OptionsCall call;
        call.node_type = string_member(r, "node");
        call.field = string_member(r, "field");
        call.parameters = object_or_null(r, "parameters", "{}");
        if (call.parameters == "null") call.parameters = "{}";
        call.credentials = object_or_null(r, "credentials", "null");
        std::string choices = "[";
        wfnode::ExecuteCallbacks cb;
        cb.on_item = [&](uint32_t, std::string_view json) {
            choices += (choices.size() > 1 ? "," : "") + std::string(json);
            return true;
        };
        cb.on_error = [&](const wfnode::Error &e) { out_.line(error_line(id, e)); };
        cb.is_cancelled = [] { return interrupted.load(); };
        auto status = plugin_.load_options(call, cb);
        choices += "]";
        if (!status) throw UsageError("the plugin offers no options (it does not implement " WFNODE_EXT_OPTIONS ")");
        out_.line(reply(id, "result", [&](auto &w) {
            w.Key("result");
            w.RawValue(choices.c_str(), choices.size(), rapidjson::kArrayType);
        }));
    }

    // Reads the request here (so a malformed one is answered at once), runs it on a thread.
    void execute(const std::string &id, const Value &r) {
        auto run = std::make_shared<NodeRun>();
        auto shared = std::make_shared<rapidjson::Document>();
        run->node_type = string_member(r, "node");
        if (!plugin_.find_node(run->node_type)) throw UsageError("no node of type \"" + run->node_type + "\"");
        run->credentials_json = object_or_null(r, "credentials", "null");
        const Value *p = member(r, "parameters");
        if (p && !p->IsObject()) throw UsageError("\"parameters\" must be an object");
        shared->CopyFrom(p ? *p : Value(rapidjson::kObjectType).Move(), shared->GetAllocator());
        check_expressions(*shared, "parameters");
        run->parameters = shared.get();
        const Value *c = member(r, "continueOnFail");
        if (c && !c->IsBool()) throw UsageError("\"continueOnFail\" must be true or false");
        run->continue_on_fail = c && c->IsTrue();
        // An editor's test run: the plugin then sends only reads, whatever the parameters say.
        const Value *d = member(r, "dryRun");
        if (d && !d->IsBool()) throw UsageError("\"dryRun\" must be true or false");
        run->dry_run = d && d->IsTrue();
        const Value *items = member(r, "items");
        if (!items || !items->IsArray()) throw UsageError("\"items\" must be an array of {\"json\": {...}}");
        std::vector<std::optional<std::string>> own;  // an item's own, editor-evaluated parameters
        bool any_own = false;
        for (rapidjson::SizeType i = 0; i < items->Size(); ++i) {
            const Value &item = (*items)[i];
            const Value *json = item.IsObject() ? member(item, "json") : nullptr;
            if (!json || !json->IsObject())
                throw UsageError("items[" + std::to_string(i) + "] must be {\"json\": {...}, \"parameters\"?: {...}}");
            run->items.push_back(to_json(*json));
            const Value *ip = member(item, "parameters");
            if (ip && !ip->IsObject()) throw UsageError("items[" + std::to_string(i) + "].parameters must be an object");
            own.push_back(ip ? std::optional(to_json(*ip)) : std::nullopt);
            any_own = any_own || ip;
        }
        if (any_own && has_expressions(*shared))
            throw UsageError("shared parameters with {{ }} expressions and per-item parameters cannot be mixed");
        if (any_own) run->item_parameters = std::move(own);

        auto exec = std::make_shared<Execution>();
        std::lock_guard lock(mutex_);
        // Finished executions are joined and forgotten, so a long-lived process holds none.
        for (auto it = running_.begin(); it != running_.end();) {
            if (!it->second->finished.load()) {
                ++it;
                continue;
            }
            it->second->thread.join();
            it = running_.erase(it);
        }
        if (running_.contains(id)) throw UsageError("an execution with this id is running");
        running_[id] = exec;
        exec->thread = std::thread([this, id, run, shared, exec] {
            uint64_t items_out = 0, errors = 0;
            wfnode::ExecuteCallbacks cb;
            const std::string item_head = "{\"id\":" + id + ",\"type\":\"item\",\"json\":";
            cb.on_item = [&](uint32_t paired, std::string_view json) {
                ++items_out;
                // One reply a line: in JSON a line break can only be white space between
                // tokens (never raw inside a string), so a space stands in for it.
                std::string item(json);
                std::replace_if(item.begin(), item.end(), [](char ch) { return ch == '\r' || ch == '\n'; }, ' ');
                out_.line(item_head + item + ",\"pairedItem\":" + std::to_string(paired) + "}");
                return !out_.failed();
            };
            cb.on_error = [&](const wfnode::Error &e) {
                ++errors;
                out_.line(error_line(id, e));
            };
            cb.is_cancelled = [&] { return exec->cancelled.load() || interrupted.load() || out_.failed(); };
            const wfnode_status status = run_node(plugin_, *run, cb);
            const bool cancelled = exec->cancelled.load() || interrupted.load();
            out_.line(reply(id, "done", [&](auto &w) {
                w.Key("status");
                w.String(status == WFNODE_OK ? "ok" : wfnode::status_name(status));
                w.Key("items");
                w.Uint64(items_out);
                w.Key("errors");
                w.Uint64(errors);
                w.Key("cancelled");
                w.Bool(cancelled);
            }));
            exec->finished.store(true);
        });
    }

    wfnode::Plugin plugin_;
    Output out_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Execution>> running_;  // by the id's JSON text
};

}  // namespace

int cmd_serve(const std::string &plugin_path) {
    install_interrupt_handler();
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is a failed write, not a silent death
    bool failed = false;
    {
        Server server(plugin_path);
        std::string line;
        while (!interrupted.load() && std::getline(std::cin, line)) {
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            server.handle(line);
            if (server.output_failed()) break;
        }
        failed = server.output_failed();
    }  // running executions finish (or see the interrupt) before the process ends
    return failed ? 1 : 0;
}

}  // namespace nodehost
