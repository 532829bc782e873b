#!/usr/bin/env bash
# Installs the Debian packages this project needs, only those that are missing.
# Runs apt-get as root, or through sudo otherwise. Extra package names given as arguments are
# installed too (the benchmark adds its peers and tools this way).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config binutils
  libcurl4-openssl-dev rapidjson-dev libsimdjson-dev libfmt-dev doctest-dev libcli11-dev
  libcpp-httplib-dev libhowardhinnant-date-dev libssl-dev zlib1g-dev libbrotli-dev libhiredis-dev tzdata
  python3 python3-jsonschema python3-yaml
  nodejs chromium libsqlite3-dev
  redis-server postgresql-15
  clang-14 libclang-rt-14-dev
  abigail-tools dpkg-dev file lintian
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The editor tests' npm: Debian's own package, unless the installed nodejs brings npm along
# (a nodejs built upstream does, and conflicts with Debian's npm).
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
