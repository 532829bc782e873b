// The time the plugin reads and waits on: the system's, or a test's, so that what depends on
// time (a token's refresh, the waits and the budget of retries) is tested without waiting.
#pragma once

#include <chrono>

namespace wfplugin {

class Clock {
public:
    virtual ~Clock() = default;
    // For deadlines and waits within this process: never jumps.
    virtual std::chrono::steady_clock::time_point now() const = 0;
    // For times other processes read (a stored token's refresh time, in Unix seconds).
    virtual std::chrono::system_clock::time_point wall() const = 0;
    // Waits `wait`, a slice of a longer wait between two polls of cancellation.
    virtual void sleep_for(std::chrono::milliseconds wait) const = 0;

    // The system's clocks.
    static const Clock &system();
};

}  // namespace wfplugin
