#!/usr/bin/env bash
# A host built from the frozen ABI 1.0 headers (examples/host-c/host.c) loads today's plugin
# and runs both of its nodes against the emulator.
# Usage: old_host.sh OLD_HOST PLUGIN EMULATOR SOURCE_DIR
set -euo pipefail
host=$1 plugin=$2 emulator=$3 src=$4
WORK=$(mktemp -d)
source "$src/tests/support/emulator.sh"
start_emulator "$emulator" "$WORK"
"$host" "$WORK/credentials.json" "$plugin" | tee "$WORK/out"
grep -q "^host built for ABI 1.0; plugin com.threecx.wfnode .*, ABI 1.[1-9]" "$WORK/out"
grep -q "^download: 2 items, purge dry run: 1 item$" "$WORK/out"
