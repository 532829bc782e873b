// Test support: waiting on an event (a counter, a file, a line of output), never on a guess of
// how long something takes. Slow machines and ThreadSanitizer only make the wait longer.
#pragma once

#include <chrono>
#include <thread>

namespace testsupport {

// Polls `ready` until it returns true; false if it has not after `limit`, a bound far above
// any real wait that only turns a hang into a failure.
template <typename Ready> bool wait_until(Ready &&ready, std::chrono::seconds limit = std::chrono::seconds(120)) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    while (!ready()) {
        if (std::chrono::steady_clock::now() >= give_up) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a poll, not a wait for the event
    }
    return true;
}

}  // namespace testsupport
