#include "wfplugin/clock.hpp"

#include <thread>

namespace wfplugin {
namespace {

class SystemClock final : public Clock {
public:
    std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::now(); }
    std::chrono::system_clock::time_point wall() const override { return std::chrono::system_clock::now(); }
    void sleep_for(std::chrono::milliseconds wait) const override { std::this_thread::sleep_for(wait); }
};

}  // namespace

const Clock &Clock::system() {
    static const SystemClock clock;
    return clock;
}

}  // namespace wfplugin
