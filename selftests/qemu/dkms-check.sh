#!/usr/bin/env bash
# dkms-check.sh: prove that DKMS can build machina.ko (`make dkms-check`).
#
# Against the newest kernel headers installed on this machine (setup-host.sh installs
# linux-headers-<arch>): put the module sources at /usr/src/machina-<VERSION>, `dkms add`,
# `dkms build`, check the .ko, and `dkms remove` everything again. Never `dkms install`:
# that would put the module into the host's kernel tree.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || die "dkms needs root"
"$QEMU_DIR/setup-host.sh"

ver=$(cat "$REPO/VERSION")
src=/usr/src/machina-$ver
# The newest kernel with headers: DKMS builds through /lib/modules/<kver>/build.
kver=$(for d in /lib/modules/*/build/Makefile; do
	[ -e "$d" ] && basename "$(dirname "$(dirname "$d")")"
done | sort -V | tail -n 1)
[ -n "$kver" ] || die "no kernel headers installed (apt-get install linux-headers-$HOST_DEB_ARCH)"

cleanup() {
	dkms remove "machina/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
# Start from nothing: a previous run may have been interrupted.
cleanup
trap cleanup EXIT

# MACHINA_SRC: another module tree, to test this script itself (it gets our recipe).
"$QEMU_DIR/copy-src.sh" "${MACHINA_SRC:-$REPO}" "$src"
cp "$REPO/dkms.conf" "$REPO/VERSION" "$src/"
dkms add "machina/$ver"
if ! dkms build "machina/$ver" -k "$kver"; then
	cat "/var/lib/dkms/machina/$ver/build/make.log" >&2 || true
	die "dkms build failed for $kver"
fi
ko=$(find "/var/lib/dkms/machina/$ver/$kver" -name 'machina.ko*' -print -quit)
[ -n "$ko" ] || die "dkms build made no machina.ko"
echo "dkms-check: built $ko for $kver ($(stat -c %s "$ko") bytes)"
dkms remove "machina/$ver" --all
echo "dkms-check: passed"
