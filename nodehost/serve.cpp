#include "serve.hpp"

#include "commands.hpp"
#include "expressions.hpp"
#include "io.hpp"
#include "node_runner.hpp"

#include <wfcommon/json_policy.hpp>
#include <wfnode/loader.hpp>

#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace nodehost {
namespace {

using rapidjson::Value;

// The reading loop sleeps in poll() on stdin, stdout and this pipe. A signal, an execution
// ending and a failed write each put a byte in it (write() is async-signal-safe), so none of
// them waits for the next request line.
class Wakeup {
public:
    Wakeup() {
        if (pipe2(fds_, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
        write_end.store(fds_[1]);
    }
    ~Wakeup() {
        write_end.store(-1);
        close(fds_[0]);
        close(fds_[1]);
    }
    Wakeup(const Wakeup &) = delete;
    Wakeup &operator=(const Wakeup &) = delete;

    static void notify() noexcept {
        const int saved = errno;
        // A full pipe already holds a wakeup, so a failed write loses nothing.
        if (const int fd = write_end.load(); fd >= 0 && write(fd, "", 1) < 0) {}
        errno = saved;
    }
    int fd() const { return fds_[0]; }
    void drain() const {
        char bytes[64];
        while (read(fds_[0], bytes, sizeof bytes) > 0) {}
    }

private:
    int fds_[2];
    static inline std::atomic<int> write_end{-1};
};

// The first SIGINT or SIGTERM cancels what runs and ends the loop (exit status 128 + its
// number); a second one ends the process at once. Installed without SA_RESTART, and the loop
// waits in poll() on the wakeup pipe, so no blocking read resumes after the signal.
std::atomic<int> stop_signal{0};

// How long cancelled executions may take to end before the process ends without them.
constexpr std::chrono::seconds cancel_grace{5};

void on_stop_signal(int sig) {
    if (stop_signal.exchange(sig) != 0) _exit(128 + sig);
    interrupted.store(true);
    Wakeup::notify();
}

void install_stop_signals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    for (int sig : {SIGINT, SIGTERM}) sigaction(sig, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is a failed write (EPIPE), not a silent death
}

// The replies of every execution thread share stdout: one whole line at a time, flushed, so
// an editor sees each item as soon as it exists. Once a write fails (or stdout is seen
// closed) nothing more is written and every execution is cancelled.
class Output {
public:
    void line(const std::string &text) {
        std::lock_guard lock(mutex_);
        if (failed_) return;
        if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fputc('\n', stdout) == EOF ||
            std::fflush(stdout) != 0) {
            failed_ = true;
            Wakeup::notify();
        }
    }
    void closed() {
        std::lock_guard lock(mutex_);
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

// The id of a request line that cannot be acted on (it breaks the reading policy, or passed
// the size limit and only its head was kept), so that the refusal still names its request:
// the one top-level "id" member, when it is a number or a valid UTF-8 string without NUL,
// read by a lenient, iterative pass (any depth, stops at the first syntax error). "null" when
// there is none, or two. Only the id is taken from such a line; nothing else is acted on.
class TopLevelId : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, TopLevelId> {
public:
    std::string json() const { return seen_ == 1 && !id_.empty() ? id_ : "null"; }

    bool Default() { return value(""); }
    bool Int(int i) { return !in_id_ || value(std::to_string(i)); }
    bool Uint(unsigned u) { return !in_id_ || value(std::to_string(u)); }
    bool Int64(int64_t i) { return !in_id_ || value(std::to_string(i)); }
    bool Uint64(uint64_t u) { return !in_id_ || value(std::to_string(u)); }
    bool Double(double d) {
        if (!in_id_) return true;
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> w(b);
        return value(w.Double(d) ? b.GetString() : "");
    }
    bool String(const char *s, rapidjson::SizeType n, bool) {
        if (!in_id_) return value("");
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::CrtAllocator,
                          rapidjson::kWriteValidateEncodingFlag>
            w(b);
        const bool readable = std::memchr(s, 0, n) == nullptr && w.String(s, n);
        return value(readable ? b.GetString() : "");
    }
    bool StartObject() { return open(); }
    bool StartArray() { return open(); }
    bool EndObject(rapidjson::SizeType) { return --depth_, true; }
    bool EndArray(rapidjson::SizeType) { return --depth_, true; }
    bool Key(const char *s, rapidjson::SizeType n, bool) {
        in_id_ = depth_ == 1 && n == 2 && std::memcmp(s, "id", 2) == 0;
        if (in_id_) ++seen_;
        return true;
    }

private:
    bool value(const std::string &id_json) {
        if (in_id_) id_ = id_json;
        in_id_ = false;
        return true;
    }
    bool open() {
        value("");  // an object or array is no id
        ++depth_;
        return true;
    }

    size_t depth_ = 0;
    bool in_id_ = false;
    int seen_ = 0;
    std::string id_;
};

// Reads in place (the text is consumed), so even a 64 MiB line is not copied.
std::string readable_id(std::string &&text) {
    TopLevelId handler;
    rapidjson::Reader reader;
    rapidjson::InsituStringStream in(text.data());
    reader.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseInsituFlag>(in, handler);
    return handler.json();
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

// What an execution request lends the node of its state, and what the node staged.
struct EditorState {
    std::optional<std::string> committed, staged;
    wfnode::NodeState lent;
};

// cancelled and finished change under the server's mutex, so a cancel either reaches a
// running execution (and its "done" says so) or is told that it has finished.
struct Execution {
    std::atomic<bool> cancelled{false};
    bool finished = false;
    std::thread thread;
};

class Server {
public:
    Server(const std::string &plugin_path, std::optional<TokenStoreConfig> token_store)
        : plugin_(plugin_path), token_store_(std::move(token_store)) {}

    ~Server() {
        for (auto &[id, e] : running_)
            if (e->thread.joinable()) e->thread.join();
    }

    // Handles one request line (consumed).
    void handle(std::string &text) {
        std::string id = "null";
        rapidjson::Document request;
        try {
            request = parse_json(text, "the request");
        } catch (const UsageError &e) {
            out_.line(request_error(readable_id(std::move(text)), e.what()));  // refused: only its id is read
            return;
        }
        try {
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

    // A line that passed the size limit: `head` is what was kept of it.
    void refuse_overlong(std::string &head) {
        out_.line(request_error(readable_id(std::move(head)), "the request line is longer than " + std::to_string(wfcommon::json::max_bytes) +
                                                       " bytes, the most a request may hold; it was not read"));
    }

    bool output_failed() { return out_.failed(); }
    void output_closed() { out_.closed(); }

    // Whether an execution is still running.
    bool busy() {
        std::lock_guard lock(mutex_);
        return std::any_of(running_.begin(), running_.end(), [](const auto &r) { return !r.second->finished; });
    }

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
        const char *not_running = nullptr;  // why nothing was cancelled
        {
            std::lock_guard lock(mutex_);
            auto it = running_.find(to_json(*target));
            if (it == running_.end()) not_running = "no execution with this id is running (it has finished, or never started)";
            else if (it->second->finished) not_running = "the execution has already finished";
            else it->second->cancelled.store(true);
        }
        out_.line(reply(id, "result", [&](auto &w) {
            w.Key("result");
            w.StartObject();
            w.Key("cancelled");
            w.Bool(!not_running);
            if (not_running) {
                w.Key("reason");
                w.String(not_running);
            }
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
        std::optional<wfnode::Error> failure;
        wfnode::ExecuteCallbacks cb;
        cb.on_item = [&](uint32_t, std::string_view json) {
            choices += (choices.size() > 1 ? "," : "") + std::string(json);
            return true;
        };
        cb.on_error = [&](const wfnode::Error &e) {
            if (!failure) failure = e;
        };
        cb.is_cancelled = [this] { return interrupted.load() || out_.failed(); };
        auto status = load_options(plugin_, call, token_store_ ? &*token_store_ : nullptr, cb);
        choices += "]";
        if (!status) throw UsageError("the plugin offers no options (it does not implement " WFNODE_EXT_OPTIONS ")");
        if (!failure && *status != WFNODE_OK) {
            failure.emplace();
            failure->status = *status;
            failure->message = std::string("the options call failed: ") + wfnode::status_name(*status);
        }
        // One answer: the error, or the choices; never an empty list after an error, which an
        // editor would show as "no choices".
        if (failure) {
            out_.line(error_line(id, *failure));
            return;
        }
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
        run->token_store = token_store_ ? &*token_store_ : nullptr;
        // An editor's test run: the plugin then sends only reads, whatever the parameters say.
        const Value *d = member(r, "dryRun");
        if (d && !d->IsBool()) throw UsageError("\"dryRun\" must be true or false");
        run->dry_run = d && d->IsTrue();
        // The node's state across runs ("wfnode.state/1"), kept by the editor: present (an
        // object, or null before the first run) offers it; a staged one comes back as a
        // "state" reply before "done", only when the execution succeeded.
        auto state = std::make_shared<EditorState>();
        if (const Value *st = member(r, "state")) {
            if (!st->IsObject() && !st->IsNull()) throw UsageError("\"state\" must be an object or null");
            if (st->IsObject()) state->committed = to_json(*st);
            state->lent.load = [state = state.get()] { return state->committed; };
            state->lent.stage = [state = state.get()](std::string_view json) {
                try {
                    auto doc = parse_json(std::string(json), "the staged state");
                    if (!doc.IsObject()) return false;
                    state->staged = to_json(doc);  // compact: one reply, one line
                    return true;
                } catch (const UsageError &) {
                    return false;
                }
            };
            run->state = &state->lent;
        }
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
            if (!it->second->finished) {
                ++it;
                continue;
            }
            it->second->thread.join();
            it = running_.erase(it);
        }
        if (running_.contains(id)) throw UsageError("an execution with this id is running");
        running_[id] = exec;
        exec->thread = std::thread([this, id, run, shared, exec, state] {
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
            bool cancelled;
            {
                std::lock_guard finishing(mutex_);
                exec->finished = true;
                cancelled = exec->cancelled.load() || interrupted.load();
            }
            if (status == WFNODE_OK && errors == 0 && !cancelled && state->staged)
                out_.line(reply(id, "state", [&](auto &w) {
                    w.Key("json");
                    w.RawValue(state->staged->c_str(), state->staged->size(), rapidjson::kObjectType);
                }));
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
            Wakeup::notify();
        });
    }

    wfnode::Plugin plugin_;
    const std::optional<TokenStoreConfig> token_store_;
    Output out_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<Execution>> running_;  // by the id's JSON text
};

}  // namespace

int cmd_serve(const std::string &plugin_path, const std::string &token_store) {
    auto store = token_store_config(token_store);  // a bad URL ends the process before it serves
    Wakeup wakeup;
    install_stop_signals();
    int status = 0;
    {
        Server server(plugin_path, std::move(store));
        LineSplitter lines(wfcommon::json::max_bytes);
        const LineSplitter::OnLine on_line = [&](std::string &line, bool whole) {
            if (interrupted.load() || server.output_failed()) return;  // stopping: nothing more is acted on
            if (!whole) server.refuse_overlong(line);
            else if (line.find_first_not_of(" \t\r") != std::string::npos) server.handle(line);
        };
        std::vector<char> chunk(64 << 10);
        bool reading = true;
        // Until stdin ends and the last execution is done, a signal, or stdout closed.
        while (!interrupted.load() && !server.output_failed() && (reading || server.busy())) {
            pollfd fds[3] = {{wakeup.fd(), POLLIN, 0}, {STDOUT_FILENO, 0, 0}, {reading ? STDIN_FILENO : -1, POLLIN, 0}};
            if (poll(fds, 3, -1) < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error(std::string("poll: ") + std::strerror(errno));
            }
            if (fds[0].revents) wakeup.drain();
            // A pipe whose reader has gone reports POLLERR, a socket POLLHUP: the editor is gone.
            if (fds[1].revents & (POLLERR | POLLHUP | POLLNVAL)) server.output_closed();
            if (!fds[2].revents || server.output_failed()) continue;
            const ssize_t got = read(STDIN_FILENO, chunk.data(), chunk.size());
            if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (got > 0) {
                lines.feed({chunk.data(), static_cast<size_t>(got)}, on_line);
                continue;
            }
            if (got < 0) {
                std::fprintf(stderr, "nodehost: error: reading stdin: %s\n", std::strerror(errno));
                status = 1;
            }
            lines.finish(on_line);
            reading = false;
        }
        if (server.output_failed()) {
            std::fprintf(stderr, "nodehost: error: stdout is closed: the running executions are cancelled\n");
            status = 1;
        }
        const int sig = stop_signal.load();
        if (sig || status) {
            // Cancelled executions end within a second (the plugin polls is_cancelled); one
            // stuck in a write to a stdout nobody reads must not keep the process up.
            const auto deadline = std::chrono::steady_clock::now() + cancel_grace;
            while (server.busy()) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
                pollfd wake{wakeup.fd(), POLLIN, 0};
                if (left.count() <= 0 || poll(&wake, 1, static_cast<int>(left.count())) == 0) {
                    std::fprintf(stderr, "nodehost: error: executions still running %lld s after they were cancelled; exiting\n",
                                 static_cast<long long>(cancel_grace.count()));
                    _exit(sig ? 128 + sig : status);
                }
                wakeup.drain();
            }
        }
    }  // running executions see the interrupt or the closed stdout, end, and are joined here
    if (const int sig = stop_signal.load()) return 128 + sig;
    return status;
}

}  // namespace nodehost
