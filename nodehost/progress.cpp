#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace nodehost {

ProgressDisplay::Mode ProgressDisplay::detect(bool quiet) {
    if (quiet) return Mode::quiet;
    return isatty(fileno(stderr)) ? Mode::live : Mode::lines;
}

double ProgressDisplay::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void ProgressDisplay::start(size_t number, size_t total, const std::string &step, const std::string &node) {
    label_ = fmt::format("[{}/{} {}]", number, total, step);
    items_ = requests_ = 0;
    started_ = last_draw_ = std::chrono::steady_clock::now();
    if (mode_ == Mode::lines) fmt::print(out_, "nodehost: {} {} started\n", label_, node);
    draw(true);
}

void ProgressDisplay::update(uint64_t items_out, uint64_t requests) {
    items_ = items_out;
    requests_ = requests;
    draw(false);
}

void ProgressDisplay::draw(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (mode_ == Mode::quiet) return;
    if (mode_ == Mode::lines) {
        // A plain line every 10 s for long steps, so a log shows it is alive.
        if (now - last_draw_ < std::chrono::seconds(10)) return;
        last_draw_ = now;
        fmt::print(out_, "nodehost: {} {} items, {} requests so far, {:.1f} s\n", label_, items_, requests_, elapsed());
        return;
    }
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    double secs = elapsed();
    fmt::print(out_, "\r\033[K{} {} items, {} requests, {:.0f} items/s, {:.1f} s", label_, items_, requests_,
               secs > 0 ? static_cast<double>(items_) / secs : 0.0, secs);
    std::fflush(out_);
}

void ProgressDisplay::finish(uint64_t items_out, uint64_t errors, const char *outcome) {
    items_ = items_out;
    if (mode_ == Mode::quiet) return;
    std::string line = fmt::format("{} {}: {} items out, {} errors, {} requests, {:.2f} s", label_, outcome, items_out,
                                   errors, requests_, elapsed());
    if (mode_ == Mode::live) fmt::print(out_, "\r\033[K{}\n", line);
    else fmt::print(out_, "nodehost: {}\n", line);
    std::fflush(out_);
}

void ProgressDisplay::message(const std::string &text) {
    if (mode_ == Mode::live) fmt::print(out_, "\r\033[K{}\n", text);
    else fmt::print(out_, "{}\n", text);
    draw(true);
}

}  // namespace nodehost
