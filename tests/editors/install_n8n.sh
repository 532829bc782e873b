#!/usr/bin/env bash
# install_n8n.sh DIR: n8n for the editor tests, installed once into DIR (kept between runs).
# n8n's install scripts fetch things from outside the npm registry, so they are skipped
# (--ignore-scripts), its peer dependency ranges disagree (--legacy-peer-deps), and the
# spreadsheet library it names by a URL off the registry is taken from npm instead; a
# LangChain checkpoint release newer than n8n's LangChain core (which `n8n start` loads) is
# held at the one of n8n's time (the overrides in n8n-package.json). The one native module the tests need, sqlite3 (n8n's
# database), is then built against Debian's libsqlite3 (libsqlite3-dev): 16 s, where its
# bundled sources took 139 s of CPU on a fresh machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$1
start=$(date +%s)
bash "$here/npm_install.sh" "$dir" "$here/n8n-package.json" --ignore-scripts --legacy-peer-deps n8n@1.123.81
if ! ls "$dir"/node_modules/sqlite3/build/Release/node_sqlite3.node >/dev/null 2>&1; then
  (cd "$dir" && npm rebuild sqlite3 --build-from-source --sqlite=/usr --loglevel=error)
fi
echo "install_n8n: ready in $(( $(date +%s) - start )) s"
