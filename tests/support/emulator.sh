# Sourced by the shell tests: start_emulator EMULATOR_BINARY DIR starts the XAPI emulator on a
# free loopback port, writes DIR/credentials.json (a file: the key never goes on a command
# line) and stops the emulator when the calling script exits.
start_emulator() {
  local bin=$1 dir=$2
  "$bin" --port 0 --port-file "$dir/port" --chats 200 >"$dir/emulator.log" 2>&1 &
  EMULATOR_PID=$!
  trap 'kill "$EMULATOR_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
  for _ in $(seq 200); do [ -s "$dir/port" ] && break; sleep 0.05; done
  [ -s "$dir/port" ] || { echo "the emulator did not start" >&2; exit 1; }
  printf '{"baseUrl": "http://127.0.0.1:%s", "clientId": "demo-client", "apiKey": "demo-secret"}\n' \
    "$(cat "$dir/port")" >"$dir/credentials.json"
}
