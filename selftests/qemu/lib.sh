# shellcheck shell=bash
# shellcheck disable=SC2034 # the variables are for the scripts that source this file
# Shared helpers for the QEMU test bench; sourced by the scripts next to it (bash only).
#
# Everything downloaded or extracted lives in the cache (outside the repository, so a fresh
# clone or `make clean` never throws away the ~1 GB of kernels); everything built from the
# repository lives in build/.

QEMU_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$QEMU_DIR/../.." && pwd)
CACHE=${MACHINA_CACHE:-$HOME/.cache/machina}
BUILD=${MACHINA_BUILD:-$REPO/build}
KERNELS_CONF=$QEMU_DIR/kernels.conf

# Debian's name for the machine we run on (amd64 here); the kbuild tools must run on it.
HOST_DEB_ARCH=$(dpkg --print-architecture)

msg() { printf '%s\n' "$*" >&2; }
die() {
	msg "error: $*"
	exit 1
}

# The names of the kernels in kernels.conf, in file order.
conf_names() {
	awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$KERNELS_CONF"
}

# conf_load NAME: set K_NAME K_QARCH K_DARCH K_REL K_VER K_SERIES K_COMMON from kernels.conf.
conf_load() {
	local line
	line=$(awk -v n="$1" '$1 == n { print; exit }' "$KERNELS_CONF")
	[ -n "$line" ] || die "kernel '$1' is not in $KERNELS_CONF (known: $(conf_names | tr '\n' ' '))"
	read -r K_NAME K_QARCH K_DARCH K_REL K_VER K_SERIES <<<"$line"
	# The -common headers carry the release without its flavour: 6.1.0-56-arm64 -> 6.1.0-56,
	# 6.12.117+deb12-arm64-16k -> 6.12.117+deb12. The flavour starts with the Debian arch.
	K_COMMON=${K_REL%%-"$K_DARCH"*}
}

# Where one kernel's packages are unpacked (a private root: boot/, lib/, usr/src, usr/lib).
kernel_root() { echo "$CACHE/kernels/$1/root"; }

# Our ARCH (kernel spelling) for a qemu arch, and the cross compiler prefix it needs here.
karch_of() {
	case $1 in
	aarch64) echo arm64 ;;
	x86_64) echo x86_64 ;;
	*) die "unknown qemu arch $1" ;;
	esac
}
qarch_of() {
	case $1 in
	arm64) echo aarch64 ;;
	x86_64) echo x86_64 ;;
	*) die "unknown arch $1 (want arm64 or x86_64)" ;;
	esac
}
darch_of() {
	case $1 in
	arm64) echo arm64 ;;
	x86_64) echo amd64 ;;
	esac
}
cross_of() {
	# Empty when the target is the machine we build on.
	if [ "$(darch_of "$1")" = "$HOST_DEB_ARCH" ]; then
		echo ""
	else
		case $1 in
		arm64) echo aarch64-linux-gnu- ;;
		x86_64) echo x86_64-linux-gnu- ;;
		esac
	fi
}

# The static busybox for a Debian arch: the host's own, or the one fetch-kernels.sh unpacked.
busybox_for() {
	if [ "$1" = "$HOST_DEB_ARCH" ]; then
		echo /bin/busybox
	else
		echo "$CACHE/busybox/$1/bin/busybox"
	fi
}
