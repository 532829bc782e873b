#!/usr/bin/env bash
# Builds the Debian package from the install rules (cpack -G DEB) and inspects it: its name,
# its stated dependencies, its files, no path of the build inside, and that the unpacked
# nodehost finds the unpacked plugin.
# Usage: check_deb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
unset WFNODE_PLUGIN_PATH

(cd "$WORK" && cpack -G DEB -B "$WORK/out" --config "$build/CPackConfig.cmake" >"$WORK/cpack.log") ||
  { cat "$WORK/cpack.log" >&2; exit 1; }
debs=("$WORK"/out/threecx-wfnode_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || { echo "expected one threecx-wfnode_*.deb, got: ${debs[*]}" >&2; exit 1; }
deb=${debs[0]}
echo "== $(basename "$deb")"

dpkg-deb -I "$deb" | tee "$WORK/info"
grep -q '^ Package: threecx-wfnode$' "$WORK/info"
depends=$(sed -n 's/^ Depends: //p' "$WORK/info")
for dep in libc6 libstdc++6 libcurl4 libsimdjson libfmt tzdata; do
  [[ "$depends" == *"$dep"* ]] || { echo "Depends lacks $dep: $depends" >&2; exit 1; }
done

dpkg-deb -c "$deb" | awk '{print $6}' >"$WORK/files"
for f in ./usr/bin/nodehost ./usr/include/wfnode/wfnode.h ./usr/include/wfnode/options.h ./usr/include/wfnode/loader.hpp \
         ./usr/lib/libwfnode_loader.so.1 ./usr/lib/cmake/wfnode/wfnodeConfig.cmake ./usr/lib/pkgconfig/wfnode.pc \
         ./usr/lib/wfnode/plugins/libthreecx_wfnode.so ./usr/share/wfnode/schemas/downloadChatHistory.json \
         ./usr/share/wfnode/examples/nightly-export-and-purge.json; do
  grep -qx -- "$f" "$WORK/files" || { echo "the package lacks $f" >&2; exit 1; }
done
if grep -E 'emulator|/tests/' "$WORK/files"; then echo "test programs do not belong in the package" >&2; exit 1; fi

dpkg-deb -x "$deb" "$WORK/root"
if grep -rIl -e "$build" -e "$src" "$WORK/root"; then echo "the files above name the build folder" >&2; exit 1; fi
"$WORK/root/usr/bin/nodehost" list | grep -q "	$WORK/root/usr/lib/wfnode/plugins/libthreecx_wfnode.so$"
echo "deb: ok"
