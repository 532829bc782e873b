// A test server's main loop: listens on loopback until SIGINT or SIGTERM, and then stops at
// once (a test server has nothing to flush). Writes the bound port to stdout's first line
// and, when asked, to a file a test waits for.
#pragma once

#include <httplib.h>

#include <string>

namespace emulator {

// Returns the process's exit status: 1 when it could not listen.
int serve(httplib::Server &server, const std::string &host, int port, const std::string &port_file,
          const std::string &banner);

}  // namespace emulator
