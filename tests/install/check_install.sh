#!/usr/bin/env bash
# Installs the build into a temporary prefix, moves it (it must not care where it lives),
# checks it holds no path of the build, then builds and runs the examples out of tree
# against it: the C++ and C hosts with find_package(wfnode), and again with pkg-config,
# against the emulator.
# Usage: check_install.sh BUILD_DIR SOURCE_DIR EMULATOR
set -euo pipefail
build=$1 src=$2 emulator=$3
WORK=$(mktemp -d)
source "$src/tests/support/emulator.sh"
start_emulator "$emulator" "$WORK"
unset WFNODE_PLUGIN_PATH  # the install must find its own plugin
step() { echo "== $*"; }

step "install and move the prefix"
cmake --install "$build" --prefix "$WORK/stage" >/dev/null
mv "$WORK/stage" "$WORK/moved"
prefix=$WORK/moved
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")  # lib/<triplet> on Debian
soname=$(readelf -d "$build/host_api/libwfnode_loader.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
for f in include/wfnode/wfnode.h include/wfnode/options.h include/wfnode/loader.hpp include/wfnode/discovery.hpp \
         "$libdir/$soname" "$libdir/libwfnode_loader.so" "$libdir/cmake/wfnode/wfnodeConfig.cmake" "$libdir/cmake/wfnode/wfnodeConfigVersion.cmake" \
         "$libdir/cmake/wfnode/wfnodeTargets.cmake" "$libdir/pkgconfig/wfnode.pc" "$libdir/wfnode/plugins/libthreecx_wfnode.so" \
         bin/nodehost share/wfnode/schemas/downloadChatHistory.json share/wfnode/examples/nightly-export-and-purge.json \
         share/wfnode/examples/host-cpp/main.cpp; do
  [ -e "$prefix/$f" ] || { echo "missing from the install: $f" >&2; exit 1; }
done

n8n_tarball=$prefix/share/wfnode/n8n/n8n-nodes-threecx-chat.tgz
if grep -q '^WFNODE_BUILD_N8N_PACKAGE:BOOL=ON$' "$build/CMakeCache.txt"; then
  [ -f "$n8n_tarball" ] || { echo "missing from the install: the n8n package's tarball (share/wfnode/n8n)" >&2; exit 1; }
  # What n8n users install: unpacked here so the check below reads inside it too.
  mkdir "$WORK/n8n-tarball" && tar xzf "$n8n_tarball" -C "$WORK/n8n-tarball"
  for f in package.json dist/lib/host.js dist/nodes/ThreecxDownloadChatHistory/ThreecxDownloadChatHistory.node.js \
           dist/nodes/ThreecxDownloadChatHistory/ThreecxDownloadChatHistory.node.json dist/credentials/ThreecxApi.credentials.js; do
    [ -f "$WORK/n8n-tarball/package/$f" ] || { echo "the n8n tarball lacks $f" >&2; exit 1; }
  done
  [ ! -e "$WORK/n8n-tarball/package/build-tree.json" ] || { echo "the n8n tarball holds the build tree's build-tree.json" >&2; exit 1; }
fi

step "no build path in the install"
if grep -rIl -e "$build" -e "$src" "$prefix" "$WORK/n8n-tarball" 2>/dev/null; then echo "the files above name the build or source folder" >&2; exit 1; fi
# Outside /usr the install is relocatable: nodehost finds the loader by a run path relative to
# itself (under /usr it has none; tests/install/check_deb.sh). The libraries need none.
readelf -d "$prefix/bin/nodehost" | grep -qF "Library runpath: [\$ORIGIN/../$libdir]" ||
  { echo "the installed nodehost lacks its run path \$ORIGIN/../$libdir: $(readelf -d "$prefix/bin/nodehost" | grep PATH)" >&2; exit 1; }
for elf in "$prefix/$libdir/$soname" "$prefix/$libdir/wfnode/plugins/libthreecx_wfnode.so"; do
  if readelf -d "$elf" | grep -E 'R(UN)?PATH'; then echo "$elf has a run path" >&2; exit 1; fi
done

step "the installed nodehost finds the installed plugin"
"$prefix/bin/nodehost" --version | grep -E '^nodehost [0-9]+\.[0-9]+\.[0-9]+ \(wfnode ABI 1\.[0-9]+\.[0-9]+\)$'
"$prefix/bin/nodehost" list | tee "$WORK/list"
grep -q "^com.threecx.wfnode	3CX .*	$prefix/$libdir/wfnode/plugins/libthreecx_wfnode.so$" "$WORK/list"
"$prefix/bin/nodehost" options "$prefix/$libdir/wfnode/plugins/libthreecx_wfnode.so" threecx.downloadChatHistory clientTimeZone \
  --credentials "@$WORK/credentials.json" | grep -q "^Europe/Berlin	"

step "the package version follows the ABI rule"
check_version() {  # requested version, expected 0/1
  got=$(cmake -DREQUESTED="$1" -DFILE="$prefix/$libdir/cmake/wfnode/wfnodeConfigVersion.cmake" \
              -P "$src/tests/install/version_compatible.cmake" 2>&1)
  [ "$got" = "$2" ] || { echo "find_package(wfnode $1): compatible=$got, expected $2" >&2; exit 1; }
}
abi_minor=$(sed -n 's/^#define WFNODE_VERSION_MINOR \([0-9]*\).*/\1/p' "$prefix/include/wfnode/version.h")
check_version 1.0 1
check_version "1.$abi_minor" 1
check_version "1.$((abi_minor + 1))" 0
check_version 2.0 0
check_version 0.9 0

step "examples with find_package(wfnode)"
for ex in host-cpp host-c; do
  cmake -S "$src/examples/$ex" -B "$WORK/$ex" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$WORK/$ex" >/dev/null
done
"$WORK/host-cpp/host-cpp" "$WORK/credentials.json"
"$WORK/host-c/host-c" "$WORK/credentials.json"

step "examples with pkg-config"
export PKG_CONFIG_PATH=$prefix/$libdir/pkgconfig
pkg-config --exists 'wfnode >= 1.0' 'wfnode < 2'
# shellcheck disable=SC2046
cc -std=c99 -pedantic $(pkg-config --cflags wfnode) "$src/examples/host-c/host.c" -ldl -o "$WORK/host-c-pc"
# shellcheck disable=SC2046
c++ -std=c++17 $(pkg-config --cflags wfnode) "$src/examples/host-cpp/main.cpp" $(pkg-config --libs wfnode) \
    -Wl,-rpath,"$(pkg-config --variable=libdir wfnode)" -o "$WORK/host-cpp-pc"
"$WORK/host-c-pc" "$WORK/credentials.json" "$(pkg-config --variable=plugindir wfnode)/libthreecx_wfnode.so"
"$WORK/host-cpp-pc" "$WORK/credentials.json"
echo "install: ok"
