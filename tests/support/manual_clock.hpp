// A clock a test moves by hand: sleeping advances it at once, so what depends on time (a
// token's refresh, the waits and the budget of retries) is tested without waiting.
#pragma once

#include <wfplugin/clock.hpp>

#include <atomic>
#include <chrono>

namespace testsupport {

class ManualClock final : public wfplugin::Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return steady_start_ + elapsed(); }
    std::chrono::system_clock::time_point wall() const override {
        return wall_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(elapsed());
    }
    void sleep_for(std::chrono::milliseconds wait) const override { advance(wait); }

    void advance(std::chrono::nanoseconds by) const { elapsed_ns_ += by.count(); }
    std::chrono::nanoseconds elapsed() const { return std::chrono::nanoseconds(elapsed_ns_.load()); }

private:
    const std::chrono::steady_clock::time_point steady_start_ = std::chrono::steady_clock::now();
    const std::chrono::system_clock::time_point wall_start_ = std::chrono::system_clock::now();
    mutable std::atomic<long long> elapsed_ns_{0};
};

}  // namespace testsupport
