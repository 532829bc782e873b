#!/usr/bin/env bash
# The README's main job: starts the bundled XAPI emulator (a year of chats ending now), runs
# the nightly pipeline against it, and shows what it left behind. Needs a default build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=build/default
for f in "$build/tests/emulator/xapi-emulator" "$build/host_api/nodehost/nodehost" "$build/plugin/libthreecx_wfnode.so"; do
  [ -e "$f" ] || { echo "run-main-job: $f is missing; build first: cmake --preset default && cmake --build --preset default" >&2; exit 2; }
done

port_file=$(mktemp)
"$build/tests/emulator/xapi-emulator" --port 0 --port-file "$port_file" --chats 50000 --data-end now &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
[ -s "$port_file" ] || { echo "run-main-job: the emulator did not start" >&2; exit 1; }
port=$(cat "$port_file")

# The pipeline reads its credential from the environment; nothing secret is in the file.
export THREECX_BASE_URL="http://127.0.0.1:$port" THREECX_CLIENT_ID=demo-client THREECX_API_KEY=demo-secret
"$build/host_api/nodehost/nodehost" run examples/nightly-export-and-purge.json --plugin "$build/plugin/libthreecx_wfnode.so"

echo
echo "Exported $(wc -l < out/chats.jsonl) chats to $(pwd)/out/chats.jsonl and $(pwd)/out/chats.csv; the first one:"
head -n 1 out/chats.jsonl
