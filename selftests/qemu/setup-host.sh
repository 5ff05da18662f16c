#!/usr/bin/env bash
# Install everything the test bench needs on a Debian bookworm host (idempotent).
# Runs as root (CI and developer machines); uses sudo when it is not root.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

PKGS="qemu-system-arm qemu-system-x86 gcc-aarch64-linux-gnu libc6-dev-arm64-cross
      busybox-static cpio kmod dkms bc bison flex libelf-dev libssl-dev dwarves
      xz-utils rsync ccache linux-source-6.1 linux-source-6.12 gcc make python3"
# The host's own kernel headers, for `make dkms-check` (linux-headers-amd64 here).
PKGS="$PKGS linux-headers-$(dpkg --print-architecture)"

need_update=0
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$SUDO dpkg --add-architecture arm64
	need_update=1
fi
src=/etc/apt/sources.list.d/machina.sources
if [ ! -f "$src" ]; then
	$SUDO tee "$src" >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	$SUDO tee /etc/apt/preferences.d/machina-pin >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
	need_update=1
fi
stamp=/var/lib/apt/lists/machina-updated
# MACHINA_APT_REFRESH=1 (check.sh): refresh now, whatever the stamp says.
if [ "$need_update" = 1 ] || [ "${MACHINA_APT_REFRESH:-0}" = 1 ] || [ ! -e "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440 2>/dev/null)" ]; then
	$SUDO apt-get update -q
	$SUDO touch "$stamp"
fi
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
