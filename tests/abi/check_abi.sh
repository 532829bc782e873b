#!/usr/bin/env bash
# The ABI guard. Records (update) or checks (check) the public ABI of three binaries with
# libabigail: the loader library, the plugin's exported surface (wfnode_entry and every type
# it reaches), and the headers' whole surface (tests/abi/abi_surface.c). A check fails on
# any difference from the committed record, and when the record was made for another ABI
# version than version.h states: a change is made deliberately, with a version bump, and
# recorded (host_api/README.md, "Versions").
# Usage: check_abi.sh check|update|expect-change SOURCE_DIR BUILD_DIR NAME=FILE...
set -euo pipefail
mode=$1 src=$2 build=$3
shift 3
record=$src/tests/abi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
abi_version=$(sed -n 's/^#define WFNODE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' \
              "$src/host_api/include/wfnode/version.h" | paste -sd.)

# Only what the binaries export (not every type of their debug information); no path of the
# build, no locations, no DT_NEEDED list: none of them is ABI, and all vary between machines.
dump() {
  abidw --exported-interfaces-only --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed \
        --drop-undefined-syms --type-id-style hash "$1" |
    sed -e "s|path='$build/|path='|" -e "s|path='$src/|path='|"
}

status=0
for pair in "$@"; do
  name=${pair%%=*} file=${pair#*=}
  dump "$file" >"$work/$name.abi"
  case $mode in
    update)
      cp "$work/$name.abi" "$record/$name.abi"
      echo "abi: recorded $name for ABI $abi_version" ;;
    check|expect-change)
      # Exit status bits: 4 a change, 8 an incompatible one (1 and 2: abidiff failed).
      rc=0
      abidiff "$record/$name.abi" "$work/$name.abi" >"$work/$name.full" 2>&1 || rc=$?
      if [ "$mode" = expect-change ]; then
        [ "$rc" -ne 0 ] || { echo "abi: expected $name to differ from its record, and it does not" >&2; status=1; }
        (( rc & 4 )) && echo "abi: $name differs, as expected"
      elif [ "$rc" -ne 0 ]; then
        status=1
        cat "$work/$name.full" >&2
        if (( rc & 8 )); then
          echo "abi: $name: an INCOMPATIBLE change (a symbol removed or a signature changed): a 2.0 ABI, see host_api/README.md" >&2
        else
          echo "abi: $name changed from its record: if deliberate, bump the ABI version and record it (host_api/README.md)" >&2
        fi
      else
        echo "abi: $name matches its record"
      fi ;;
    *) echo "usage: check_abi.sh check|update|expect-change SOURCE_DIR BUILD_DIR NAME=FILE..." >&2; exit 2 ;;
  esac
done
if [ "$mode" = update ]; then
  echo "$abi_version" >"$record/ABI_VERSION"
elif [ "$mode" = check ] && [ "$(cat "$record/ABI_VERSION")" != "$abi_version" ]; then
  echo "abi: the record is for ABI $(cat "$record/ABI_VERSION") but version.h says $abi_version: record it anew" >&2
  status=1
fi
exit $status
