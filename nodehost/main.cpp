// nodehost: the reference host of the wfnode ABI. Loads any wfnode plugin; lists and
// describes its nodes, executes one node, or runs a pipeline file.
#include "commands.hpp"
#include "expressions.hpp"
#include "io.hpp"
#include "pipeline_runner.hpp"
#include "serve.hpp"
#include "verify.hpp"

#include <CLI/CLI.hpp>
#include <wfnode/loader.hpp>

#include <cstdio>

namespace {

// --token-store on each command that runs nodes.
void add_token_store_option(CLI::App *command, std::string &value) {
    command->add_option("--token-store", value,
                        "Share access tokens with every process (on any machine) using this Redis: "
                        "redis://HOST:PORT/DB (default: $WFNODE_TOKEN_STORE); the password only from "
                        "$WFNODE_TOKEN_STORE_PASSWORD. When it cannot be used, an execution that needs a token fails");
}

}  // namespace

int main(int argc, char **argv) {
    CLI::App app{"nodehost: load a wfnode plugin, describe its nodes, execute them"};
    app.require_subcommand(1);

    app.set_version_flag("--version", nodehost::version_text());

    std::string plugin, type;
    auto *list = app.add_subcommand("list", "Print one line per node: type, a tab, display name; without PLUGIN, "
                                            "every plugin on the search path (WFNODE_PLUGIN_PATH, then the install's)");
    list->add_option("PLUGIN", plugin, "Path of the plugin .so");

    auto *describe = app.add_subcommand("describe", "Print the plugin's node and credential definitions as JSON");
    describe->add_option("PLUGIN", plugin, "Path of the plugin .so")->required();
    describe->add_option("TYPE", type, "Only this node type");
    std::string format = "json-schema";
    describe->add_option("--format", format, "json-schema (standard draft 2020-12), ui-schema (the editor hints: order, placeholders, password widgets, choices), or n8n for n8n-style node descriptions")->capture_default_str();

    nodehost::ExecOptions exec_opts;
    auto *exec = app.add_subcommand("exec", "Execute one node over JSON Lines input items");
    exec->add_option("PLUGIN", exec_opts.plugin_path, "Path of the plugin .so")->required();
    exec->add_option("TYPE", exec_opts.node_type, "Node type, e.g. threecx.downloadChatHistory")->required();
    exec->add_option("--params", exec_opts.params, "Parameters: inline JSON or @file");
    exec->add_option("--credentials", exec_opts.credentials, "Credentials: inline JSON or @file");
    exec->add_option("--input", exec_opts.input, "Input items as JSON Lines: a file or - for stdin (default: one empty item)");
    exec->add_flag("--continue-on-fail", exec_opts.continue_on_fail, "A failing item yields an error item; the rest go on");
    exec->add_flag("--envelope", exec_opts.envelope, "Print {\"json\": item, \"pairedItem\": n} per output item");
    exec->add_flag("-v,--verbose", exec_opts.verbose, "Print the plugin's info and debug log lines");
    exec->add_flag("--dry-run", exec_opts.dry_run,
                   "Change nothing on the server, whatever the parameters say: the plugin sends only reads "
                   "(a purge previews its count); a plugin that cannot promise it is not run");
    exec->add_option("--state", exec_opts.state,
                     "Keep the node's state across runs in this file (an incremental export's checkpoint): read "
                     "and locked at the start, replaced only when the execution succeeded");
    add_token_store_option(exec, exec_opts.token_store);

    nodehost::OptionsOptions options_opts;
    auto *options = app.add_subcommand("options", "Print the choices the plugin offers for one field: value, a tab, name");
    options->add_option("PLUGIN", options_opts.plugin_path, "Path of the plugin .so")->required();
    options->add_option("TYPE", options_opts.node_type, "Node type, e.g. threecx.downloadChatHistory")->required();
    options->add_option("FIELD", options_opts.field, "Dotted path of the field, e.g. clientTimeZone")->required();
    options->add_option("--credentials", options_opts.credentials, "Credentials: inline JSON or @file");
    options->add_option("--params", options_opts.params, "The node's parameters so far: inline JSON or @file");
    options->add_flag("--json", options_opts.json, "Print each choice as a JSON object");
    add_token_store_option(options, options_opts.token_store);

    std::string serve_plugin;
    auto *serve = app.add_subcommand("serve", "Serve an editor over JSON Lines on stdin/stdout: describe, execute "
                                              "(per-item parameters, streamed items and errors), options, cancel");
    serve->add_option("PLUGIN", serve_plugin, "Path of the plugin .so")->required();
    std::string serve_token_store;
    add_token_store_option(serve, serve_token_store);

    nodehost::RunOptions run_opts;
    std::string now_text;
    auto *run = app.add_subcommand("run", "Validate and run a pipeline file");
    run->add_option("PIPELINE", run_opts.pipeline_path, "Pipeline JSON file")->required();
    run->add_option("--plugin", run_opts.plugins, "Use this plugin before any on the search path (repeatable)");
    run->add_flag("--dry-run", run_opts.dry_run,
                  "Print the plan and change nothing, whatever the parameters say: plugins send only reads (a "
                  "purge previews its count), files are not written");
    run->add_flag("-q,--quiet", run_opts.quiet, "No progress and no summary; errors only");
    run->add_flag("-v,--verbose", run_opts.verbose, "Print the plan and the plugins' info log lines");
    run->add_option("--now", now_text, "Evaluate $now as this ISO 8601 instant (reproducible runs)");
    add_token_store_option(run, run_opts.token_store);

    std::string verify_folder;
    auto *verify = app.add_subcommand("verify", "Check the archive files under FOLDER against their manifests (SHA-256, "
                                                "records, first and last TimeSent) and that their ranges join with no "
                                                "gap and no overlap; exit 1 naming each problem");
    verify->add_option("FOLDER", verify_folder, "The archive folder (searched with its subfolders)")->required();

    CLI11_PARSE(app, argc, argv);
    if (!now_text.empty()) {
        auto t = nodehost::parse_instant(now_text);
        if (!t) {
            std::fprintf(stderr, "nodehost: error: --now must be an ISO 8601 date-time with offset\n");
            return 2;
        }
        run_opts.now = *t;
    }
    try {
        if (*list) return plugin.empty() ? nodehost::cmd_list_all() : nodehost::cmd_list(plugin);
        if (*options) return nodehost::cmd_options(options_opts);
        if (*describe) return nodehost::cmd_describe(plugin, type, format);
        if (*exec) return nodehost::cmd_exec(exec_opts);
        if (*run) return nodehost::run_pipeline(run_opts);
        if (*serve) return nodehost::cmd_serve(serve_plugin, serve_token_store);
        if (*verify) return nodehost::cmd_verify(verify_folder);
    } catch (const wfnode::LoadError &e) {
        std::fprintf(stderr, "nodehost: error: %s\n", e.what());
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "nodehost: error: %s\n", e.what());
        return 2;
    }
    return 2;
}
