#!/usr/bin/env bash
# The README's main job: the nightly archive (examples/nightly-export-and-purge.json) for
# three simulated nights against the bundled XAPI emulator, the second night missed; then
# the archive is verified and checked against every chat the PBX ever held.
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
build=$(cd "$build" && pwd)
emulator_bin="$build/tests/emulator/xapi-emulator" nodehost_bin="$build/nodehost/nodehost"
echo "run-main-job: using the build in $build"

# The PBX: a year of chats ($WFNODE_MAIN_JOB_CHATS, 20,000 by default) up to the third night, with 2% reaching the history up to six
# hours late; its clock starts at the first night, and chats arrive as it moves.
nights=(2026-09-01T02:00:00Z 2026-09-02T02:00:00Z 2026-09-03T02:00:00Z)
work=$(mktemp -d)
port_file="$work/port"
"$emulator_bin" --port 0 --port-file "$port_file" --chats "${WFNODE_MAIN_JOB_CHATS:-20000}" --data-days 365 --data-end "${nights[2]}" \
  --clock "${nights[0]}" --late-fraction 0.02 --late-max-s 21600 >/dev/null &
emulator=$!
trap 'kill "$emulator" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.05; done
[ -s "$port_file" ] || { echo "run-main-job: the emulator did not start" >&2; exit 1; }
port=$(cat "$port_file")
admin() { python3 -c 'import sys, urllib.request as u
r = u.Request(sys.argv[1], data=sys.argv[2].encode() if len(sys.argv) > 2 else None, method="POST" if len(sys.argv) > 2 else "GET")
print(u.urlopen(r).read().decode())' "http://127.0.0.1:$port$@"; }

# The pipeline reads its credential from the environment; nothing secret is in the file.
export THREECX_BASE_URL="http://127.0.0.1:$port" THREECX_CLIENT_ID=demo-client THREECX_API_KEY=demo-secret
# nodehost finds the plugin of each step on the plugin search path (an install needs no
# setting: it searches its own lib/wfnode/plugins).
export WFNODE_PLUGIN_PATH="$build/nodes${WFNODE_PLUGIN_PATH:+:$WFNODE_PLUGIN_PATH}"

# The job's files (archive/, out/) go to a fresh folder beside the pipeline's copy:
# $WFNODE_JOB_DIR, or out/main-job.
job="${WFNODE_JOB_DIR:-out/main-job}"
rm -rf "$job" && mkdir -p "$job" && cp examples/nightly-export-and-purge.json "$job/"
for night in "${nights[@]}"; do
  admin /admin/clock "{\"now\":\"$night\"}" >/dev/null
  if [ "$night" = "${nights[1]}" ]; then
    echo; echo "=== night of $night: skipped (the machine was down); the next night catches up"
    continue
  fi
  echo; echo "=== night of $night: nodehost run --now $night nightly-export-and-purge.json"
  (cd "$job" && "$nodehost_bin" run --now "$night" nightly-export-and-purge.json)
done

echo; echo "=== the archive, checked: nodehost verify $job/archive"
"$nodehost_bin" verify "$job/archive"
echo
# Every chat that ever reached the PBX's history, by id (each Message ends with "(#id)"),
# against the records of every archive file.
admin /admin/chats > "$work/chats.json"
python3 - "$job/archive" "$work/chats.json" <<'PY'
import glob, gzip, json, re, sys
folder, chats = sys.argv[1], json.load(open(sys.argv[2]))["chats"]
arrived = {c["id"] for c in chats if c["state"] in ("visible", "purged")}
purged = {c["id"] for c in chats if c["state"] == "purged"}
archived = []
for f in sorted(glob.glob(folder + "/*.jsonl.gz")):
    for line in gzip.open(f, "rt", encoding="utf-8"):
        archived.append(int(re.search(r"\(#(\d+)\)$", json.loads(line)["Message"]).group(1)))
once = len(archived) == len(set(archived))
print(f"The PBX held {len(arrived)} chats over the three nights; the archive holds {len(archived)} records in "
      f"{len(glob.glob(folder + '/*.jsonl.gz'))} files, each chat {'exactly once' if once else 'SOME TWICE'}.")
missing = arrived - set(archived)
print(f"{len(purged)} chats were purged from the PBX, and every one of them is in the archive." if not (purged - set(archived))
      else f"{len(purged - set(archived))} purged chats are in no archive file!")
print("Every chat is in the archive." if not missing and once else f"{len(missing)} chats are missing from the archive!")
sys.exit(0 if not missing and once and not (purged - set(archived)) else 1)
PY
