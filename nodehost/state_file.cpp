#include "state_file.hpp"

#include "durable_file.hpp"
#include "io.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace nodehost {
namespace {

constexpr int format_version = 1;

std::string read_all(const std::string &path, bool &exists) {
    std::error_code ec;
    exists = std::filesystem::exists(path, ec);
    if (ec) throw StateError("cannot read the state file " + path + ": " + ec.message());
    if (!exists) return {};
    std::ifstream in(path, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    if (!in.good() && !in.eof()) throw StateError("cannot read the state file " + path);
    if (!in.is_open()) throw StateError("cannot read the state file " + path + ": " + std::strerror(errno));
    return text;
}

// The pid the lock file names, for the message of a run that finds it locked.
std::string holder(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid.find_first_not_of("0123456789") == std::string::npos && !pid.empty() ? " (process " + pid + ")" : "";
}

}  // namespace

StateFile::StateFile(std::string path, std::string owner) : path_(std::move(path)), owner_(std::move(owner)) {
    // The lock is a file of its own: the state file is replaced by a rename, and a lock on
    // the replaced file would lock nothing. It stays (removing it would race another run).
    const std::string lock_path = path_ + ".lock";
    if (auto parent = std::filesystem::path(path_).parent_path(); !parent.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(parent, ec);  // an error shows as the open's below
    }
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) throw StateError("cannot open the state lock " + lock_path + ": " + std::strerror(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        const std::string why = errno == EWOULDBLOCK ? "another run holds it" + holder(lock_fd_) : std::strerror(errno);
        ::close(lock_fd_);
        throw StateError("the state file " + path_ + " is locked (" + lock_path + "): " + why +
                         "; this run did nothing");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, pid.data(), pid.size(), 0) < 0) {}  // a hint only

    bool exists = false;
    const std::string text = read_all(path_, exists);
    if (!exists) return;
    const std::string what = "the state file " + path_;
    auto refuse = [&](const std::string &why) {
        throw StateError(what + " is refused: " + why + "; this run did nothing (fix it, or remove it knowing that the "
                                                        "steps then start again from their beginning)");
    };
    rapidjson::Document doc;
    try {
        doc = parse_json(text, what);
    } catch (const UsageError &e) {
        refuse(e.what());
    }
    if (!doc.IsObject()) refuse("it is not a JSON object");
    for (const auto &m : doc.GetObject()) {
        static const std::set<std::string> known{"wfnodeState", "owner", "steps"};
        if (!known.count(m.name.GetString())) refuse("it has an unknown member \"" + std::string(m.name.GetString()) + "\"");
    }
    auto v = doc.FindMember("wfnodeState");
    if (v == doc.MemberEnd() || !v->value.IsInt() || v->value.GetInt() != format_version)
        refuse("it is not a nodehost state file of format " + std::to_string(format_version));
    auto o = doc.FindMember("owner");
    if (o == doc.MemberEnd() || !o->value.IsString()) refuse("it names no owner");
    if (o->value.GetString() != owner_)
        refuse("it belongs to " + std::string(o->value.GetString()) + ", not to " + owner_);
    auto s = doc.FindMember("steps");
    if (s == doc.MemberEnd() || !s->value.IsObject()) refuse("\"steps\" is not an object");
    for (const auto &m : s->value.GetObject()) {
        if (!m.value.IsObject()) refuse("the state of step \"" + std::string(m.name.GetString()) + "\" is not an object");
        committed_[m.name.GetString()] = to_json(m.value);
    }
}

StateFile::~StateFile() {
    if (lock_fd_ >= 0) ::close(lock_fd_);  // closing releases the flock
}

wfnode::NodeState StateFile::for_step(const std::string &step) {
    wfnode::NodeState state;
    state.load = [this, step]() -> std::optional<std::string> {
        auto it = committed_.find(step);
        return it == committed_.end() ? std::nullopt : std::optional(it->second);
    };
    state.stage = [this, step](std::string_view json) {
        try {
            if (!parse_json(std::string(json), "the staged state").IsObject()) return false;
        } catch (const UsageError &) {
            return false;
        }
        staged_[step] = std::string(json);
        return true;
    };
    return state;
}

void StateFile::commit() {
    while (!staged_.empty()) commit(staged_.begin()->first);
}

void StateFile::commit(const std::string &step) {
    auto staged = staged_.find(step);
    if (staged == staged_.end()) return;
    std::map<std::string, std::string> steps = committed_;
    steps[step] = staged->second;
    write(steps);
    committed_ = std::move(steps);
    staged_.erase(staged);
    ++committed_in_run_;
}

void StateFile::write(const std::map<std::string, std::string> &steps) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("wfnodeState");
    w.Int(format_version);
    w.Key("owner");
    w.String(owner_.c_str(), static_cast<rapidjson::SizeType>(owner_.size()));
    w.Key("steps");
    w.StartObject();
    for (const auto &[name, json] : steps) {
        w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
        w.RawValue(json.c_str(), json.size(), rapidjson::kObjectType);
    }
    w.EndObject();
    w.EndObject();
    try {
        write_file_durably(path_, std::string(b.GetString(), b.GetSize()) + "\n", 0600);  // only its owner reads it
    } catch (const std::runtime_error &e) {
        throw StateError(std::string("the run succeeded, but its new state could not be saved (") + e.what() +
                         "): the next run starts again from the state saved before");
    }
}

namespace {

std::optional<std::string> checkpoint_in(const std::map<std::string, std::string> &states, const std::string &step,
                                         const std::string &path) {
    auto it = states.find(step);
    if (it == states.end()) return std::nullopt;
    rapidjson::Document doc;
    doc.Parse(it->second.c_str(), it->second.size());  // read under the JSON policy when it was loaded or staged
    auto c = doc.IsObject() ? doc.FindMember("checkpoint") : doc.MemberEnd();
    if (!doc.IsObject() || c == doc.MemberEnd()) return std::nullopt;
    if (c->value.IsNull()) return "null";
    if (!c->value.IsString())
        throw StateError("the state of step \"" + step + "\" in " + path + " has a \"checkpoint\" that is not a string");
    return std::string(c->value.GetString(), c->value.GetStringLength());
}

}  // namespace

std::optional<std::string> StateFile::committed_checkpoint(const std::string &step) const {
    return checkpoint_in(committed_, step, path_);
}

std::optional<std::string> StateFile::staged_checkpoint(const std::string &step) const {
    return checkpoint_in(staged_, step, path_);
}

}  // namespace nodehost
