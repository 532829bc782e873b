#!/usr/bin/env bash
# The README's main job: starts the bundled XAPI emulator (a year of chats ending now), runs
# the nightly pipeline against it, and shows what it left behind.
#
# Uses the build folder in $WFNODE_BUILD_DIR, or else the newest of build/*/ and build/ that
# holds all three programs, so it works with whichever preset or plain build made them.
set -euo pipefail
cd "$(dirname "$0")/.."

programs=(tests/emulator/xapi-emulator nodehost/nodehost nodes/libthreecx_wfnode.so)
has_all() { for p in "${programs[@]}"; do [ -e "$1/$p" ] || return 1; done; }

build="${WFNODE_BUILD_DIR:-}"
if [ -z "$build" ]; then
  for dir in $(ls -dt build/*/ build/ 2>/dev/null); do
    if has_all "${dir%/}"; then build="${dir%/}"; break; fi
  done
fi
if [ -z "$build" ] || ! has_all "$build"; then
  echo "run-main-job: no build with the emulator, nodehost and the plugin found${build:+ in $build};" \
       "build first: cmake --preset default && cmake --build --preset default" >&2
  exit 2
fi
emulator_bin="$build/tests/emulator/xapi-emulator" nodehost_bin="$build/nodehost/nodehost"
echo "run-main-job: using the build in $build"

port_file=$(mktemp)
"$emulator_bin" --port 0 --port-file "$port_file" --chats 50000 --data-end now &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
[ -s "$port_file" ] || { echo "run-main-job: the emulator did not start" >&2; exit 1; }
port=$(cat "$port_file")

# The pipeline reads its credential from the environment; nothing secret is in the file.
export THREECX_BASE_URL="http://127.0.0.1:$port" THREECX_CLIENT_ID=demo-client THREECX_API_KEY=demo-secret
# nodehost finds the plugin of each step on the plugin search path (an install needs no
# setting: it searches its own lib/wfnode/plugins).
WFNODE_PLUGIN_PATH="$build/nodes${WFNODE_PLUGIN_PATH:+:$WFNODE_PLUGIN_PATH}" \
  "$nodehost_bin" run examples/nightly-export-and-purge.json

echo
echo "Exported $(wc -l < out/chats.jsonl) chats to $(pwd)/out/chats.jsonl and $(pwd)/out/chats.csv; the first one:"
head -n 1 out/chats.jsonl
