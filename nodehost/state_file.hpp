// Where nodehost keeps node state across runs (the "wfnode.state/1" extension): a pipeline's
// "state" file, or exec's --state FILE. One JSON object,
//   {"wfnodeState": 1, "owner": "pipeline nightly", "steps": {"export": {...the node's state...}}}
// read when the run starts and locked for the whole run (flock on FILE.lock), so a second
// run of the same pipeline fails at once. A step's staged state is committed only by
// commit(), which the run calls once it succeeded; the file is then replaced durably (a
// temporary name, fsync, rename, fsync of the folder). A file that is not exactly this, or
// belongs to another owner, is refused: never a silent start from the beginning.
#pragma once

#include <wfnode/loader.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nodehost {

// The state file cannot be used: the run does nothing (exit status 1).
struct StateError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class StateFile {
public:
    // Locks and reads `path` (absent: no state yet). `owner` names what the file belongs to
    // ("pipeline nightly", "exec threecx.downloadChatHistory"). Throws StateError.
    StateFile(std::string path, std::string owner);
    ~StateFile();  // releases the lock
    StateFile(const StateFile &) = delete;
    StateFile &operator=(const StateFile &) = delete;

    const std::string &path() const { return path_; }

    // What `step` is lent while it runs: its committed state, and where it stages one.
    wfnode::NodeState for_step(const std::string &step);

    // Whether `step` (any step, without one) staged a state in this run not yet committed.
    bool staged() const { return !staged_.empty(); }
    bool staged(const std::string &step) const { return staged_.count(step) > 0; }
    // Writes the committed states with the staged ones of `step` (all steps, without one)
    // over them, durably. Throws StateError.
    void commit();
    void commit(const std::string &step);
    // The steps committed in this run, for the summary.
    size_t committed_count() const { return committed_in_run_; }

    // The public "checkpoint" member (state.h) of the state committed for `step`, or of the
    // state it staged in this run: nullopt when there is no such state or it has none, and
    // a JSON null as the string "null". Throws StateError when it is not a string or null.
    std::optional<std::string> committed_checkpoint(const std::string &step) const;
    std::optional<std::string> staged_checkpoint(const std::string &step) const;

private:
    void write(const std::map<std::string, std::string> &steps);

    std::string path_, owner_;
    int lock_fd_ = -1;
    std::map<std::string, std::string> committed_, staged_;  // step -> the node's state (JSON object text)
    size_t committed_in_run_ = 0;
};

}  // namespace nodehost
