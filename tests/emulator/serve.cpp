#include "serve.hpp"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <thread>

namespace emulator {

int serve(httplib::Server &server, const std::string &host, int port, const std::string &port_file, const std::string &banner) {
    // Signals are taken by one thread that stops the server cleanly. A client that goes away
    // mid-answer (killed, or giving up on a stalled body) must cost the server that answer
    // only, as a real server's: a write to its socket then fails with EPIPE instead of
    // killing the process.
    std::signal(SIGPIPE, SIG_IGN);
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    const int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) {
        std::fprintf(stderr, "cannot listen on %s:%d\n", host.c_str(), port);
        return 1;
    }
    if (!port_file.empty()) std::ofstream(port_file) << bound << "\n";
    std::printf("%s listening on %s:%d\n", banner.c_str(), host.c_str(), bound);
    std::fflush(stdout);

    std::thread stopper([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        server.stop();
        // Idle keep-alive connections can hold the server's workers for their whole timeout;
        // a test server has nothing to flush, so it does not wait for them.
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        std::_Exit(0);
    });
    server.listen_after_bind();
    pthread_kill(stopper.native_handle(), SIGTERM);
    stopper.join();
    return 0;
}

}  // namespace emulator
