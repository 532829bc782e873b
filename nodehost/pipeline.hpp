// Pipeline files: named steps, each a plugin node or a host step, reading the output of an
// earlier step (or a JSON Lines file, or one empty item). Parsed and validated as a whole
// before anything runs; every error names the step.
//
// {
//   "name": "nightly",
//   "credentials": {
//     "pbx": {"type": "threecxApi",
//             "env": {"baseUrl": "THREECX_BASE_URL", "clientId": "THREECX_CLIENT_ID", "apiKey": "THREECX_API_KEY"},
//             "file": "secrets/pbx.json", "values": {"ignoreTlsIssues": false}}
//   },
//   "state": "nightly.state.json",
//   "steps": [
//     {"name": "export", "node": "threecx.downloadChatHistory", "credential": "pbx",
//      "parameters": {"clientTimeZone": "UTC", "options": {"filter": "TimeSent ge {{ $today.minus(1, 'days') }}"}}},
//     {"name": "jsonl", "node": "host.writeJsonLines", "input": "export", "parameters": {"path": "out/chats.jsonl"}}
//   ]
// }
// Host steps: host.readJsonLines {path}, host.writeJsonLines {path, range}, host.writeCsv
// {path}, host.verifyArchive {path}, host.checkArchived {archive, export, before}; a plugin
// step may name the host.checkArchived step that guards it in "archivedBy".
#pragma once

#include <wfnode/discovery.hpp>
#include <wfnode/loader.hpp>

#include <rapidjson/document.h>

#include <memory>
#include <set>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace nodehost {

// The pipeline file is invalid: exit status 2, nothing executed.
struct PipelineError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Step {
    std::string name;
    std::string node;                 // a plugin node type, or host.*
    const wfnode::Plugin *plugin = nullptr;  // null for host steps
    std::optional<size_t> input_step; // index of the step whose output this one reads
    std::string input_file;           // or a JSON Lines file
    std::string credential;           // name in "credentials"
    std::string credentials_json = "null";
    rapidjson::Document parameters;   // may hold {{ }} expressions
    bool continue_on_fail = false;
    bool consumed = false;            // a later step reads this step's output
    // "archivedBy": the host.checkArchived step whose proof this (purge) step needs; the
    // host then refuses any period other than the proven one (pipeline_runner.cpp).
    std::optional<size_t> archived_by;
    std::optional<size_t> export_step; // host.checkArchived: the export step whose checkpoint bounds it
};

struct Pipeline {
    std::string name;
    std::string directory;            // relative paths in the file are relative to this
    std::vector<std::unique_ptr<wfnode::Plugin>> plugins;  // --plugin and the file's "plugins": overrides
    std::unique_ptr<wfnode::PluginCatalog> discovered;     // the search path, for what no override offers
    std::vector<Step> steps;
    std::vector<std::string> warnings;
    std::string state_path;           // "state": where node state is kept across runs, or empty
};

// Host steps offered by nodehost itself, for `describe`-like listings and validation.
bool is_host_step(const std::string &node);

// The secret fields of a credential type, from its schema ("x-secret" or "writeOnly").
std::set<std::string> secret_fields(const wfnode_credential_def &def);

// Loads `path`, the plugins it names plus `extra_plugins`, and validates everything;
// throws PipelineError naming the step.
Pipeline load_pipeline(const std::string &path, const std::vector<std::string> &extra_plugins);

}  // namespace nodehost
