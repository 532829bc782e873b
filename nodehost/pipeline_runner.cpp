#include "pipeline_runner.hpp"

#include "archive_check.hpp"
#include "archive_writer.hpp"
#include "csv_writer.hpp"
#include "io.hpp"
#include "node_runner.hpp"
#include "output_file.hpp"
#include "pipeline.hpp"
#include "progress.hpp"
#include "manifest.hpp"
#include "state_file.hpp"
#include "superseded_files.hpp"
#include "verify.hpp"

#include <wfcommon/iso8601.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <unistd.h>

namespace nodehost {
namespace {

namespace fs = std::filesystem;

struct StepResult {
    const char *outcome = "not run";
    uint64_t items_in = 0, items_out = 0, errors = 0;
    double seconds = 0;
    std::vector<std::string> last_items;  // the final few output items, for the summary
};

// Where a step's output goes: a spool file when a later step reads it, and the summary.
class StepOutput {
public:
    StepOutput(const std::string &spool_path, StepResult &result) : result_(result) {
        if (!spool_path.empty()) spool_.open(spool_path, std::ios::binary | std::ios::trunc);
    }
    // False when the spool cannot take it (a full disk): the step must fail, not lose items.
    [[nodiscard]] bool add(std::string_view json) {
        if (spool_.is_open() && !(spool_ << json << '\n')) return failed();
        ++result_.items_out;
        if (result_.last_items.size() == 5) result_.last_items.erase(result_.last_items.begin());
        result_.last_items.emplace_back(json);
        return true;
    }
    // Everything written reached the file.
    [[nodiscard]] bool close() {
        if (!spool_.is_open()) return true;
        spool_.close();
        return !spool_.fail() || failed();
    }
    // What the system said when a write failed (ENOSPC, EFBIG), for the message.
    const std::string &cause() const { return cause_; }

private:
    bool failed() {
        if (cause_.empty()) cause_ = std::strerror(errno);
        return false;
    }
    std::string cause_;
    std::ofstream spool_;
    StepResult &result_;
};

// Every plugin step's parameters and credentials, checked by the plugin itself before the
// first step runs; parameters that read items ($json) are checked when their items come.
// Returns the problems, one line each.
std::vector<std::string> check_steps(const Pipeline &p, const RunOptions &o) {
    std::vector<std::string> problems;
    for (const Step &step : p.steps) {
        if (o.dry_run && step.plugin && !step.plugin->offers_dry_run()) {
            problems.push_back(fmt::format("step \"{}\": {}", step.name, cannot_dry_run(*step.plugin)));
            continue;
        }
        if (!step.plugin || to_json(step.parameters).find("$json") != std::string::npos) continue;
        NodeRun run;
        run.node_type = step.node;
        run.credentials_json = step.credentials_json;
        run.items = {"{}"};
        if (o.now) run.now = *o.now;
        run.parameters = &step.parameters;
        wfnode::ExecuteCallbacks cb;
        cb.on_error = [&](const wfnode::Error &e) {
            wfnode::Error shown = e;
            shown.item_index = WFNODE_NO_ITEM;  // the one item here is nodehost's, not the user's
            problems.push_back(fmt::format("step \"{}\": {}", step.name, describe_error(shown)));
        };
        validate_node(*step.plugin, run, cb);
    }
    return problems;
}

class Runner {
public:
    Runner(Pipeline &p, const RunOptions &o, StateFile *state, const TokenStoreConfig *token_store)
        : p_(p), o_(o), state_(state), token_store_(token_store), progress_(ProgressDisplay::detect(o.quiet)) {
        // Spool files hold chat data: a private (0700) folder under $TMPDIR or /tmp, removed
        // when the run ends, whichever way it ends short of SIGKILL.
        std::string tmpl = (fs::temp_directory_path() / "nodehost-run-XXXXXX").string();
        const char *dir = mkdtemp(tmpl.data());
        if (!dir) throw std::runtime_error("cannot create a spool directory in " + fs::temp_directory_path().string());
        spool_dir_ = dir;
        results_.resize(p.steps.size());
    }
    ~Runner() {
        std::error_code ec;
        fs::remove_all(spool_dir_, ec);
    }

    int run() {
        for (size_t i = 0; i < p_.steps.size(); ++i) {
            Step &step = p_.steps[i];
            StepResult &r = results_[i];
            progress_.start(i + 1, p_.steps.size(), step.name, step.node);
            auto started = std::chrono::steady_clock::now();
            bool ok = false;
            try {
                ok = step.plugin ? run_plugin_step(i) : run_host_step(i);
            } catch (const std::exception &e) {
                progress_.message(fmt::format("nodehost: error: step \"{}\": {}", step.name, e.what()));
            }
            if (interrupted.load()) {
                ok = false;
                progress_.message(fmt::format("nodehost: error: step \"{}\": interrupted", step.name));
            }
            r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            // With continue-on-fail the next steps run, but a step with errors is never "done".
            r.outcome = !ok ? "failed" : r.errors ? "done with errors" : "done";
            if (ok && !r.errors) ok = commit_ready(i);
            if (!ok) r.outcome = "failed";
            progress_.finish(r.items_out, r.errors, r.outcome);
            if (!ok) break;
        }
        if (!o_.quiet) print_summary();
        for (const auto &r : results_)
            if (std::string_view(r.outcome) != "done") return 1;
        if (state_ && state_->committed_count() && !o_.quiet)
            std::printf("  state: committed for %zu step(s) to %s\n", state_->committed_count(), state_->path().c_str());
        return 0;
    }

private:
    // Once step `done` succeeded: every export step whose consumers have all succeeded by now
    // commits, first the archive files written from it (renamed into place, durably), then
    // its checkpoint. So a checkpoint never passes a record that is not in a file on disk,
    // and a later step (a purge) can rely on it. A dry run commits nothing. A crash between
    // the files' rename and the checkpoint's leaves the files with the checkpoint not moved:
    // the next run exports the same records again into its own file (verify reports the
    // overlap), and nothing is lost.
    bool commit_ready(size_t done) {
        if (!state_ || o_.dry_run) return true;
        for (size_t j = 0; j <= done; ++j) {
            const Step &exporter = p_.steps[j];
            if (!exporter.plugin || !state_->staged(exporter.name)) continue;
            bool consumers_done = std::string_view(results_[j].outcome) == "done";
            for (size_t k = j + 1; k < p_.steps.size(); ++k)
                if (p_.steps[k].input_step == j && (k > done || std::string_view(results_[k].outcome) != "done"))
                    consumers_done = false;
            if (!consumers_done) continue;
            try {
                for (auto &pending : pending_[j]) {
                    pending.file->commit();
                    // Files a crash left with this same start are superseded by this one.
                    const auto earlier = pending.ranged ? supersede_earlier_files(pending.file->path(), pending.from) : Superseded{};
                    for (const auto &f : earlier.moved)
                        progress_.message(fmt::format("nodehost: {}: {} was left by a run whose checkpoint was never "
                                                      "committed; {} holds all its records: moved aside as {}.superseded",
                                                      exporter.name, f, pending.file->path(), f));
                    for (const auto &f : earlier.kept)
                        progress_.message(fmt::format("nodehost: warning: {}: {} starts where {} does and holds a record "
                                                      "it lacks: left in place (verify will report the overlap)",
                                                      exporter.name, f, pending.file->path()));
                }
                pending_.erase(j);
                state_->commit(exporter.name);
            } catch (const std::exception &e) {
                progress_.message(fmt::format("nodehost: error: step \"{}\": committing its archive and checkpoint: {}",
                                              exporter.name, e.what()));
                return false;
            }
        }
        return true;
    }

    // The range an archive file written from `input` covers: from the checkpoint its export
    // had committed to the one it staged (null ends: no checkpoint yet, or no record ever).
    rapidjson::Document checkpoint_range(size_t input) const {
        rapidjson::Document range;
        const std::string &name = p_.steps[input].name;
        const auto to = state_->staged_checkpoint(name);
        if (!to) return range;
        const auto from = state_->committed_checkpoint(name);
        auto &a = range.GetAllocator();
        auto end = [&](const std::optional<std::string> &c) {
            return !c || *c == "null" ? rapidjson::Value() : rapidjson::Value(c->c_str(), a);
        };
        range.SetObject();
        range.AddMember("from", end(from), a);
        range.AddMember("to", end(to), a);
        return range;
    }

    // The archive guard of a step with "archivedBy": its period must be the proven one
    // (nothing before is left open, nothing after the proof), and the purge is told how many
    // chats the proof found, which it checks against its own count just before it deletes.
    std::function<void(rapidjson::Document &)> archive_guard(const Step &step) const {
        const Step &check = p_.steps[*step.archived_by];
        auto found = proofs_.find(*step.archived_by);
        if (found == proofs_.end())
            throw HostRefusal("step \"" + check.name + "\" gave no proof in this run; nothing was run");
        const ArchiveProof proof = found->second;
        const std::string where = "step \"" + step.name + "\" (archivedBy \"" + check.name + "\")";
        return [proof, where](rapidjson::Document &params) {
            auto refuse = [&](const std::string &why) { throw HostRefusal(where + ": " + why + "; nothing was purged"); };
            if (!params.HasMember("period")) refuse("it has no period");
            rapidjson::Document parsed;
            const rapidjson::Value *period = &params["period"];
            if (period->IsString()) {
                parsed = parse_json(period->GetString(), "parameters.period");
                period = &parsed;
            }
            if (!period->IsObject()) refuse("its period is not an object");
            auto member = [&](const char *name) -> const rapidjson::Value * {
                auto m = period->FindMember(name);
                return m == period->MemberEnd() ? nullptr : &m->value;
            };
            if (const auto *all = member("All"); all && !all->IsFalse()) refuse("its period sets All, which purges what no proof covers");
            if (const auto *start = member("Start"); start && !start->IsNull())
                refuse("its period sets a Start: the proof covers every chat up to its Stop, and the purge must be that period");
            const auto *stop = member("Stop");
            const auto stop_at = stop && stop->IsString() ? wfcommon::iso8601::parse(stop->GetString()) : std::nullopt;
            if (!stop_at || stop_at != wfcommon::iso8601::parse(proof.before))
                refuse("its period's Stop (" + (stop ? to_json(*stop) : std::string("none")) + ") is not the proven one (" +
                       proof.before + ")");
            if (!params.HasMember("options")) params.AddMember("options", rapidjson::Value(rapidjson::kObjectType), params.GetAllocator());
            auto &options = params["options"];
            if (!options.IsObject()) refuse("its options are not an object");
            if (options.HasMember("archivedCount")) refuse("options.archivedCount is the archive guard's to set");
            options.AddMember("archivedCount", rapidjson::Value(proof.chats), params.GetAllocator());
        };
    }

    std::string spool_path(size_t step) const { return spool_dir_ + "/" + std::to_string(step) + ".jsonl"; }

    // Calls `fn` for each input item of step `i`; can be called more than once (CSV does).
    void for_each_input(size_t i, const std::function<void(std::string &&)> &fn) {
        const Step &s = p_.steps[i];
        if (s.input_step) read_json_lines(spool_path(*s.input_step), fn);
        else if (!s.input_file.empty()) read_json_lines(s.input_file, fn);
        else fn("{}");
    }

    bool run_plugin_step(size_t i) {
        Step &step = p_.steps[i];
        StepResult &r = results_[i];
        NodeRun run;
        run.node_type = step.node;
        run.credentials_json = step.credentials_json;
        run.continue_on_fail = step.continue_on_fail;
        run.dry_run = o_.dry_run;
        run.token_store = token_store_;
        if (o_.now) run.now = *o_.now;
        for_each_input(i, [&](std::string &&item) { run.items.push_back(std::move(item)); });
        r.items_in = run.items.size();
        run.parameters = &step.parameters;
        std::optional<wfnode::NodeState> state;
        if (state_) run.state = &state.emplace(state_->for_step(step.name));
        if (step.archived_by) run.guard = archive_guard(step);

        StepOutput out(step.consumed ? spool_path(i) : "", r);
        bool spool_failed = false;
        wfnode::ExecuteCallbacks cb;
        cb.on_item = [&](uint32_t, std::string_view json) {
            if (!out.add(json)) spool_failed = true;
            return !spool_failed;
        };
        cb.on_error = [&](const wfnode::Error &e) {
            ++r.errors;
            progress_.message(fmt::format("nodehost: {}: step \"{}\": {}", step.continue_on_fail ? "warning" : "error",
                                          step.name, describe_error(e)));
            if (step.continue_on_fail && e.item_index != WFNODE_NO_ITEM && !out.add(error_item_json(e))) spool_failed = true;
        };
        cb.on_log = [&](int32_t level, std::string_view m) {
            if (o_.verbose || level >= WFNODE_LOG_WARN) progress_.message(fmt::format("nodehost: {}: {}", step.name, m));
        };
        cb.on_progress = [&](const wfnode_progress &pr) { progress_.update(pr.items_out, pr.requests); };
        wfnode_status status = run_node(*step.plugin, run, cb);
        if (spool_failed || !out.close())
            throw std::runtime_error("writing the step's output to " + spool_dir_ + " failed: " + out.cause());
        return status == WFNODE_OK;
    }

    bool run_host_step(size_t i) {
        Step &step = p_.steps[i];
        StepResult &r = results_[i];
        StepOutput out(step.consumed ? spool_path(i) : "", r);
        // Host step parameters may use expressions too ($now in a file name); no item context.
        ExpressionContext ctx;
        rapidjson::Document empty(rapidjson::kObjectType);
        ctx.json = &empty;
        if (o_.now) ctx.now = *o_.now;
        auto params = evaluate(step.parameters, ctx, "parameters");
        auto text = [&](const char *name) {
            if (!params[name].IsString()) throw std::runtime_error(std::string("parameters.") + name + " must be a string");
            return std::string(params[name].GetString(), params[name].GetStringLength());
        };
        auto each_input = [&](const std::function<void(std::string &&)> &fn) {
            for_each_input(i, [&](std::string &&line) {
                if (interrupted.load()) throw std::runtime_error("interrupted");
                fn(std::move(line));
            });
        };

        if (step.node == "host.checkArchived") return check_archived(i, text("archive"), text("before"), out);
        const std::string path = text("path");  // relative to the working directory
        if (step.node == "host.verifyArchive") {
            std::string report;
            const int status = verify_archive(path, report);
            for (size_t at = 0; at < report.size() && (status != 0 || !o_.quiet);) {
                const size_t end = std::min(report.find('\n', at), report.size());
                if (end > at) progress_.message(report.substr(at, end - at));
                at = end + 1;
            }
            if (status != 0) throw std::runtime_error("the archive under " + path + " does not verify (above)");
            return stored_or_throw(out.add(fmt::format(R"({{"path":{},"verified":true}})", quote(path))) && out.close());
        }
        if (step.node == "host.readJsonLines") {
            bool stored = true;
            read_json_lines(path, [&](std::string &&line) { stored = stored && out.add(line); });
            return stored_or_throw(stored && out.close());
        }
        if (o_.dry_run) {  // a dry run changes nothing: it counts what it would write
            each_input([&](std::string &&) { ++r.items_in; });
            return stored_or_throw(out.add(fmt::format(R"({{"path":{},"items":{},"written":false}})", quote(path), r.items_in)) &&
                                   out.close());
        }
        // Written under a temporary name beside the target, synced and renamed once complete
        // (durable_file.hpp), so a failed or interrupted run never leaves a truncated file that
        // looks finished, and a finished step's files survive a crash.
        if (auto parent = fs::path(path).parent_path(); !parent.empty()) fs::create_directories(parent);
        if (step.node == "host.writeJsonLines") {
            // With checkpoints, each run exports only what is new: replacing an earlier run's
            // archive file would lose its records for good, since the checkpoint has moved on.
            if (std::error_code ec; state_ && fs::exists(manifest_path(path), ec))
                throw std::runtime_error("refusing to replace " + path + ": it holds an earlier run's archive (" +
                                         manifest_path(path) + " says so) and this pipeline exports only what is "
                                         "new since its checkpoint; give each run a file of its own, e.g. a path "
                                         "with {{ $now.format('yyyy-MM-dd') }}");
            auto file = std::make_unique<ArchiveWriter>(path);
            each_input([&](std::string &&line) { file->add(line); });
            r.items_in = file->records();
            // From an export with a checkpoint, the file covers what the checkpoint moves
            // over, and is committed with it (commit_ready), not before.
            const bool checkpointed = state_ && step.input_step && state_->staged(p_.steps[*step.input_step].name);
            rapidjson::Document range;
            if (params.HasMember("range")) range.CopyFrom(params["range"], range.GetAllocator());
            else if (checkpointed) range = checkpoint_range(*step.input_step);
            const Manifest m = file->finish(range);
            if (checkpointed) {
                Pending pending{std::move(file), rapidjson::Document(), range.IsObject()};
                if (pending.ranged) pending.from.CopyFrom(range["from"], pending.from.GetAllocator());
                pending_[*step.input_step].push_back(std::move(pending));
            } else {
                file->commit();
            }
            return stored_or_throw(out.add(fmt::format(R"({{"path":{},"items":{},"sha256":"{}"}})", quote(path), r.items_in, m.sha256)) &&
                                   out.close());
        }
        OutputFile file(path);  // host.writeCsv: a first pass for the header, a second for the rows
        std::vector<std::string> columns;
        each_input([&](std::string &&line) { add_columns(parse_json(line, "item"), columns); });
        std::string header;
        for (size_t c = 0; c < columns.size(); ++c) header += (c ? "," : "") + csv_field(columns[c]);
        file.write(header + "\r\n");
        each_input([&](std::string &&line) {
            file.write(csv_row(parse_json(line, "item"), columns));
            ++r.items_in;
        });
        file.finish();
        file.commit();
        return stored_or_throw(out.add(fmt::format(R"({{"path":{},"items":{}}})", quote(path), r.items_in)) && out.close());
    }

    // host.checkArchived: the export's committed checkpoint bounds the proof, then every chat
    // of the input is looked for in the archive (archive_check.hpp).
    bool check_archived(size_t i, const std::string &folder, const std::string &before,
                        StepOutput &out) {
        const Step &step = p_.steps[i];
        const std::string &exporter = p_.steps[*step.export_step].name;
        const auto checkpoint = state_->committed_checkpoint(exporter);
        if (!checkpoint || *checkpoint == "null")
            throw std::runtime_error("step \"" + exporter + "\" has no committed checkpoint" +
                                     (checkpoint ? " (it has exported no chat yet)" : " (it has not completed a run yet)") +
                                     ": nothing is proven archived");
        const auto bound = wfcommon::iso8601::parse(*checkpoint), stop = wfcommon::iso8601::parse(before);
        if (!stop) throw std::runtime_error("parameters.before must be an ISO 8601 date-time, not " + quote(before));
        if (!bound) throw std::runtime_error("step \"" + exporter + "\"'s checkpoint is not a date-time: " + quote(*checkpoint));
        if (*stop > *bound)
            throw std::runtime_error("the period to prove reaches " + before + ", past what step \"" + exporter +
                                     "\" has archived (its checkpoint: " + *checkpoint + "): nothing after the checkpoint "
                                     "is proven archived");
        ArchiveCheck check(before);
        results_[i].items_in = 0;
        for_each_input(i, [&](std::string &&chat) {
            if (interrupted.load()) throw std::runtime_error("interrupted");
            check.add(chat);
            ++results_[i].items_in;
        });
        const ArchiveProof proof = check.prove(folder);
        proofs_[i] = proof;
        return stored_or_throw(out.add(fmt::format(R"({{"before":{},"checkpoint":{},"archivedChats":{},"filesRead":{}}})",
                                                   quote(before), quote(*checkpoint), proof.chats, proof.files_read)) &&
                               out.close());
    }

    static bool stored_or_throw(bool stored) {
        if (!stored) throw std::runtime_error("writing the step's output failed (is the disk full?)");
        return true;
    }

    static std::string quote(const std::string &s) {
        rapidjson::Value v(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
        return to_json(v);
    }

    void print_summary() const {
        std::printf("\nPipeline \"%s\"%s:\n", p_.name.c_str(), o_.dry_run ? " (dry run)" : "");
        std::printf("  %-22s %-30s %8s %8s %7s %9s  %s\n", "step", "node", "in", "out", "errors", "time", "outcome");
        for (size_t i = 0; i < p_.steps.size(); ++i) {
            const auto &s = p_.steps[i];
            const auto &r = results_[i];
            std::printf("  %-22s %-30s %8llu %8llu %7llu %8.2fs  %s\n", s.name.c_str(), s.node.c_str(),
                        static_cast<unsigned long long>(r.items_in), static_cast<unsigned long long>(r.items_out),
                        static_cast<unsigned long long>(r.errors), r.seconds, r.outcome);
        }
        // What the last steps of each branch produced, when it is small enough to read.
        for (size_t i = 0; i < p_.steps.size(); ++i) {
            const auto &r = results_[i];
            if (p_.steps[i].consumed || r.items_out == 0 || r.items_out > 5) continue;
            for (const auto &item : r.last_items) std::printf("  %s: %s\n", p_.steps[i].name.c_str(), item.c_str());
        }
        std::fflush(stdout);
    }

    Pipeline &p_;
    const RunOptions &o_;
    StateFile *state_;  // null without "state"
    const TokenStoreConfig *token_store_;  // null without a shared token store
    ProgressDisplay progress_;
    std::string spool_dir_;
    std::vector<StepResult> results_;
    // Archive files finished but not yet in place, by the export step they were written from,
    // with where their range starts.
    struct Pending {
        std::unique_ptr<ArchiveWriter> file;
        rapidjson::Document from;
        bool ranged = false;  // its range is the checkpoint's (else nothing is superseded)
    };
    std::map<size_t, std::vector<Pending>> pending_;
    std::map<size_t, ArchiveProof> proofs_;  // by host.checkArchived step
};

void print_plan(const Pipeline &p, const RunOptions &o) {
    std::printf("Plan for pipeline \"%s\"%s:\n", p.name.c_str(), o.dry_run ? " (dry run: the plugin sends only reads, files are not written)" : "");
    for (size_t i = 0; i < p.steps.size(); ++i) {
        const auto &s = p.steps[i];
        std::string input = s.input_step ? "output of " + p.steps[*s.input_step].name
                            : !s.input_file.empty() ? "file " + s.input_file
                                                    : "one empty item";
        std::printf("  %zu. %-20s %-30s input: %s%s\n", i + 1, s.name.c_str(), s.node.c_str(), input.c_str(),
                    s.credential.empty() ? "" : (", credential " + s.credential).c_str());
        std::printf("     parameters: %s\n", to_json(s.parameters).c_str());
        // Which file runs the step: named with --plugin or "plugins", or found on the path.
        if (s.plugin)
            std::printf("     plugin: %s %s, %s\n", s.plugin->api().id ? s.plugin->api().id : "?",
                        s.plugin->api().version ? s.plugin->api().version : "?", s.plugin->path().c_str());
    }
    std::fflush(stdout);
}

}  // namespace

int run_pipeline(const RunOptions &o) {
    const auto token_store = token_store_config(o.token_store);
    Pipeline p;
    try {
        p = load_pipeline(o.pipeline_path, o.plugins);
    } catch (const PipelineError &e) {
        std::fprintf(stderr, "nodehost: invalid pipeline: %s\n", e.what());
        return 2;
    }
    for (const auto &w : p.warnings) std::fprintf(stderr, "nodehost: warning: %s\n", w.c_str());
    if (auto problems = check_steps(p, o); !problems.empty()) {
        for (const auto &problem : problems) std::fprintf(stderr, "nodehost: invalid pipeline: %s\n", problem.c_str());
        return 2;
    }
    // Locked from here to the end of the run: a second run of this pipeline fails at once.
    std::optional<StateFile> state;
    if (!p.state_path.empty()) {
        try {
            state.emplace(p.state_path, "pipeline " + p.name);
        } catch (const StateError &e) {
            std::fprintf(stderr, "nodehost: error: %s\n", e.what());
            return 1;
        }
    }
    if (o.dry_run || o.verbose) print_plan(p, o);
    install_interrupt_handler();
    return Runner(p, o, state ? &*state : nullptr, token_store ? &*token_store : nullptr).run();
}

}  // namespace nodehost
