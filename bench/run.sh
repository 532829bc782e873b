#!/usr/bin/env bash
# The benchmark, one command: installs what it needs (the project's packages, and curl, Node.js,
# perf and GNU time for the peers and the measuring), builds the release preset, and runs
# bench/bench.py, which starts the emulator itself. Arguments go to bench.py (--help lists them);
# the tables go to build/bench/results.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash cmake/install-deps.sh curl nodejs linux-perf time
cmake --preset release >/dev/null
cmake --build --preset release
exec python3 bench/bench.py --build build/release "$@"
