#!/usr/bin/env bash
# npm_install.sh DIR PACKAGE_JSON [npm install flags and package specs...]: installs the pinned
# packages (PACKAGE_JSON, or "-", is the folder's package.json, e.g. for overrides)
# into DIR once; a stamp naming the exact arguments keeps the install between runs (so the
# tests run offline once installed) and installs anew when the arguments change.
set -euo pipefail
dir=$1
package_json=$2
shift 2
stamp="$dir/.installed"
want="$*"
[ "$package_json" = - ] || want="$want $(cat "$package_json")"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "npm_install: $dir is up to date"
  exit 0
fi
# Anew means from nothing: a lock file left from other arguments would keep old versions.
rm -rf "$dir/node_modules" "$dir/package-lock.json" "$stamp"
mkdir -p "$dir"
if [ "$package_json" = - ]; then
  echo '{"name":"wfnode-test-deps","private":true}' > "$dir/package.json"
else
  cp "$package_json" "$dir/package.json"
fi
start=$(date +%s)
# At the same priority as the builds and tests beside it: at a low one (nice 15 was tried)
# the compiler starved it, and the build then waited minutes on it at its end.
npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "$@"
echo "$want" > "$stamp"
echo "npm_install: $dir installed in $(( $(date +%s) - start )) s"
