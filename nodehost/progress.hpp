// Progress of a running pipeline step on stderr: a live, rewritten line on a terminal; plain
// log lines otherwise (a CI log, a pipe), so both read well.
#pragma once

#include <wfnode/host.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace nodehost {

class ProgressDisplay {
public:
    enum class Mode { live, lines, quiet };
    // `live` when stderr is a terminal, `lines` otherwise; `quiet` shows nothing.
    static Mode detect(bool quiet);

    ProgressDisplay(Mode mode, FILE *out = stderr) : mode_(mode), out_(out) {}

    void start(size_t number, size_t total, const std::string &step, const std::string &node);
    void update(uint64_t items_out, uint64_t requests);
    void finish(uint64_t items_out, uint64_t errors, const char *outcome);
    void message(const std::string &text);  // a line that must not be overwritten

private:
    void draw(bool force);
    double elapsed() const;

    Mode mode_;
    FILE *out_;
    std::string label_;
    uint64_t items_ = 0, requests_ = 0;
    std::chrono::steady_clock::time_point started_{}, last_draw_{};
};

}  // namespace nodehost
