#!/usr/bin/env bash
# Builds the Debian packages from the install rules (cpack -G DEB) and inspects them as a
# distribution would: one package per component, split as Debian splits its libraries, with
# the Depends between them; each file in its package; a copyright file and a changelog in
# every package's own doc folder; no run path, no path of the build; the loader's ldconfig
# trigger and no maintainer script; lintian without an error or a warning; the n8n package's
# tarball in threecx-wfnode, naming no build path and declaring the same licence; and the
# unpacked nodehost finding the unpacked plugin.
# Usage: check_deb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset WFNODE_PLUGIN_PATH
fail() { echo "$*" >&2; exit 1; }

(cd "$WORK" && cpack -G DEB -B "$WORK/out" --config "$build/CPackConfig.cmake" >"$WORK/cpack.log" 2>&1) ||
  { cat "$WORK/cpack.log" >&2; exit 1; }
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:PATH=//p' "$build/CMakeCache.txt")  # lib/<triplet> on Debian
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
# The loader's package is named after its SONAME, the Debian way (libfoo_bar.so.N: libfoo-bar<N>).
soname=$(readelf -d "$build/host_api/libwfnode_loader.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
loader=$(echo "$soname" | sed -E 's/([0-9])\.so\./\1-/; s/\.so(\.|$)//; y/_/-/')
packages=("$loader" libwfnode-dev threecx-wfnode wfnode-nodehost)
# shellcheck disable=SC2012
[ "$(ls "$WORK/out" | grep -c '\.deb$')" -eq ${#packages[@]} ] ||
  fail "expected ${#packages[@]} packages (${packages[*]}), got: $(ls "$WORK/out")"
deb() { echo "$WORK/out/$1_${version}_$(dpkg --print-architecture).deb"; }

for p in "${packages[@]}"; do
  [ -f "$(deb "$p")" ] || fail "no package $p: $(ls "$WORK/out")"
  echo "== $p"
  dpkg-deb -f "$(deb "$p")" Package Version Section Depends Recommends Maintainer | tee "$WORK/$p.fields"
  dpkg-deb -c "$(deb "$p")" | awk '{print $6}' | grep -v '/$' >"$WORK/$p.files"
  grep -q '^Maintainer: .*<maintainers@threecx-wfnode\.org>$' "$WORK/$p.fields" || fail "$p: not the project's maintainer address"
  # Debian policy 12.5 and 12.7: each package's doc folder, named after it.
  for f in copyright changelog.gz; do
    grep -qx "./usr/share/doc/$p/$f" "$WORK/$p.files" || fail "$p lacks /usr/share/doc/$p/$f"
  done
done

depends() { sed -n 's/^Depends: //p' "$WORK/$1.fields"; }
needs() {  # package, what its Depends must name
  local p=$1; shift
  for dep in "$@"; do [[ "$(depends "$p")" == *"$dep"* ]] || fail "$p: Depends lacks '$dep': $(depends "$p")"; done
}
needs "$loader" libc6 libstdc++6
needs libwfnode-dev "$loader (= $version)"
needs threecx-wfnode libc6 libstdc++6 libcurl4 libsimdjson libfmt libdate-tz tzdata
needs wfnode-nodehost "$loader (= $version)" libc6 libstdc++6
# The plugin is loaded with dlopen, not linked: it needs no loader.
[[ "$(depends threecx-wfnode)" != *libwfnode* ]] || fail "threecx-wfnode depends on the loader: $(depends threecx-wfnode)"

holds() {  # package, files it must hold
  local p=$1; shift
  for f in "$@"; do grep -qx -- "$f" "$WORK/$p.files" || fail "$p lacks $f"; done
}
holds "$loader" "./usr/$libdir/$soname"
holds libwfnode-dev ./usr/$libdir/libwfnode_loader.so ./usr/include/wfnode/wfnode.h ./usr/include/wfnode/options.h \
      ./usr/include/wfnode/loader.hpp ./usr/$libdir/cmake/wfnode/wfnodeConfig.cmake ./usr/$libdir/pkgconfig/wfnode.pc \
      ./usr/share/wfnode/examples/host-cpp/main.cpp ./usr/share/doc/libwfnode-dev/ABI.md
holds threecx-wfnode ./usr/$libdir/wfnode/plugins/libthreecx_wfnode.so ./usr/share/wfnode/schemas/downloadChatHistory.json \
      ./usr/share/wfnode/examples/nightly-export-and-purge.json ./usr/share/doc/threecx-wfnode/CHANGELOG.md
holds wfnode-nodehost ./usr/bin/nodehost ./usr/share/man/man1/nodehost.1.gz
if grep -q '^WFNODE_BUILD_N8N_PACKAGE:BOOL=ON$' "$build/CMakeCache.txt"; then
  holds threecx-wfnode ./usr/share/wfnode/n8n/n8n-nodes-threecx-chat.tgz  # what n8n admins npm install
fi
# The runtime library package holds the library only: its namelink, headers and CMake files
# are the -dev package's.
if grep -v -e "^./usr/$libdir/$soname" -e "^./usr/share/doc/" "$WORK/$loader.files"; then fail "$loader holds more than the library"; fi
if grep -E 'emulator|/tests/' "$WORK"/*.files; then fail "test programs do not belong in the packages"; fi

# Debian's libraries activate libc's ldconfig trigger and call no ldconfig themselves.
dpkg-deb -e "$(deb "$loader")" "$WORK/control"
grep -qx 'activate-noawait ldconfig' "$WORK/control/triggers" || fail "$loader has no ldconfig trigger"
[ ! -e "$WORK/control/postinst" ] && [ ! -e "$WORK/control/postrm" ] || fail "$loader has maintainer scripts: $(ls "$WORK/control")"
grep -q "^libwfnode_loader ${soname##*.so.} $loader (>= $version)$" "$WORK/control/shlibs" || fail "$loader: shlibs: $(cat "$WORK/control/shlibs")"

root=$WORK/root
for p in "${packages[@]}"; do dpkg-deb -x "$(deb "$p")" "$root"; done
# The n8n tarball's files are read too (unpacked beside the packages' files).
if [ -f "$root/usr/share/wfnode/n8n/n8n-nodes-threecx-chat.tgz" ]; then
  mkdir "$WORK/n8n-tarball" && tar xzf "$root/usr/share/wfnode/n8n/n8n-nodes-threecx-chat.tgz" -C "$WORK/n8n-tarball"
fi
if grep -rIl -e "$build" -e "$src" "$root" "$WORK/n8n-tarball" 2>/dev/null; then fail "the files above name the build folder"; fi
# No run path under /usr (Debian policy 10.2): ld.so finds the loader in the system's folder.
while IFS= read -r elf; do
  if readelf -d "$elf" | grep -E 'R(UN)?PATH'; then fail "$elf has a run path"; fi
done < <(find "$root" -type f -exec sh -c 'head -c4 "$1" | grep -q ELF' _ {} \; -print)

# The changelog's latest entry is this version; the copyright file carries LICENSE's words.
for p in "${packages[@]}"; do
  zcat "$root/usr/share/doc/$p/changelog.gz" >"$WORK/changelog"
  [ "$(dpkg-parsechangelog -l "$WORK/changelog" -S Version)" = "$version" ] ||
    fail "$p: the changelog's latest entry is not $version (cmake/package/changelog.in)"
  cmp -s "$root/usr/share/doc/$p/copyright" "$root/usr/share/doc/threecx-wfnode/copyright" || fail "$p: another copyright file"
done
grep -q '^License: Expat$' "$root/usr/share/doc/threecx-wfnode/copyright"
sed '1,/^Copyright /d; /^$/d' "$src/LICENSE" | while IFS= read -r line; do
  grep -qxF " $line" "$root/usr/share/doc/threecx-wfnode/copyright" || fail "the copyright file lacks LICENSE's line: $line"
done
# The n8n package says the same: MIT (Expat is Debian's name for it), with LICENSE's words.
if grep -q '^WFNODE_BUILD_N8N_PACKAGE:BOOL=ON$' "$build/CMakeCache.txt"; then
  n8n=$build/editors/n8n/package
  grep -q '^  "license": "MIT",$' "$n8n/package.json" || fail "the n8n package does not declare MIT"
  cmp -s "$src/LICENSE" "$n8n/LICENSE" || fail "the n8n package's LICENSE is not the repository's"
fi

# The manual page has a section for every command nodehost offers.
export LD_LIBRARY_PATH=$root/usr/$libdir  # what ld.so.conf does for an installed package
zcat "$root/usr/share/man/man1/nodehost.1.gz" >"$WORK/nodehost.1"
commands=$("$root/usr/bin/nodehost" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF {print $1}')
[ -n "$commands" ] || fail "nodehost --help lists no commands"
for c in $commands; do grep -qx "\.SS $c" "$WORK/nodehost.1" || fail "the manual page has no section for 'nodehost $c'"; done

"$root/usr/bin/nodehost" list | grep -q "	$root/usr/$libdir/wfnode/plugins/libthreecx_wfnode.so$"

# lintian, as Debian runs it on every upload (offline): no error, no warning.
rc=0
lintian --no-cfg --fail-on error,warning "$WORK"/out/*.deb >"$WORK/lintian.log" 2>&1 || rc=$?
grep -v '^running with root privileges' "$WORK/lintian.log" || true
[ "$rc" -eq 0 ] || fail "lintian found errors or warnings (above)"
echo "deb: ok (${packages[*]})"
