// `nodehost run`: validates a pipeline file, then runs its steps in order, streaming each
// step's output to a spool file that later steps read, with progress and a summary.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace nodehost {

struct RunOptions {
    std::string pipeline_path;
    std::vector<std::string> plugins;  // in addition to the file's "plugins"
    bool dry_run = false;              // print the plan; plugins run through "wfnode.dry-run/1", files unwritten
    bool quiet = false;
    bool verbose = false;
    std::optional<std::chrono::system_clock::time_point> now;  // $now for expressions
    std::string token_store;  // --token-store URL (else $WFNODE_TOKEN_STORE): tokens shared through Redis
};

// Exit status: 0 all steps succeeded, 1 a step failed, 2 the pipeline file is invalid.
int run_pipeline(const RunOptions &options);

}  // namespace nodehost
