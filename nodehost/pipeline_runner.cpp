#include "pipeline_runner.hpp"

#include "archive_writer.hpp"
#include "csv_writer.hpp"
#include "io.hpp"
#include "node_runner.hpp"
#include "output_file.hpp"
#include "pipeline.hpp"
#include "progress.hpp"
#include "manifest.hpp"
#include "state_file.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
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
        if (spool_.is_open() && !(spool_ << json << '\n')) return false;
        ++result_.items_out;
        if (result_.last_items.size() == 5) result_.last_items.erase(result_.last_items.begin());
        result_.last_items.emplace_back(json);
        return true;
    }
    // Everything written reached the file.
    [[nodiscard]] bool close() {
        if (!spool_.is_open()) return true;
        spool_.close();
        return !spool_.fail();
    }

private:
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
    Runner(Pipeline &p, const RunOptions &o, StateFile *state)
        : p_(p), o_(o), state_(state), progress_(ProgressDisplay::detect(o.quiet)) {
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
            progress_.finish(r.items_out, r.errors, r.outcome);
            if (!ok) break;
        }
        if (!o_.quiet) print_summary();
        for (const auto &r : results_)
            if (std::string_view(r.outcome) != "done") return 1;
        return commit_state();
    }

private:
    // Every step succeeded, and every file written from an export is in place: the states the
    // steps staged become the committed ones. A dry run commits nothing.
    int commit_state() {
        if (!state_ || o_.dry_run || !state_->staged()) return 0;
        try {
            state_->commit();
        } catch (const StateError &e) {
            std::fprintf(stderr, "nodehost: error: %s\n", e.what());
            return 1;
        }
        if (!o_.quiet) std::printf("  state: committed for %zu step(s) to %s\n", state_->staged_count(), state_->path().c_str());
        return 0;
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
        if (o_.now) run.now = *o_.now;
        for_each_input(i, [&](std::string &&item) { run.items.push_back(std::move(item)); });
        r.items_in = run.items.size();
        run.parameters = &step.parameters;
        std::optional<wfnode::NodeState> state;
        if (state_) run.state = &state.emplace(state_->for_step(step.name));

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
            throw std::runtime_error("writing the step's output to " + spool_dir_ + " failed (is the disk full?)");
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
        if (!params["path"].IsString()) throw std::runtime_error("parameters.path must be a string");
        const std::string path = params["path"].GetString();  // relative to the working directory
        auto each_input = [&](const std::function<void(std::string &&)> &fn) {
            for_each_input(i, [&](std::string &&line) {
                if (interrupted.load()) throw std::runtime_error("interrupted");
                fn(std::move(line));
            });
        };

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
            ArchiveWriter file(path);
            each_input([&](std::string &&line) { file.add(line); });
            r.items_in = file.records();
            const rapidjson::Value null_range;
            const Manifest m = file.commit(params.HasMember("range") ? params["range"] : null_range);
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
    ProgressDisplay progress_;
    std::string spool_dir_;
    std::vector<StepResult> results_;
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
    return Runner(p, o, state ? &*state : nullptr).run();
}

}  // namespace nodehost
