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
KERNELS_CONF=${MACHINA_KERNELS_CONF:-$QEMU_DIR/kernels.conf}

# Debian's name for the machine we run on (amd64 here); the kbuild tools must run on it.
HOST_DEB_ARCH=$(dpkg --print-architecture)

# The compiler cache for the module and selftest builds (setup-host.sh installs ccache):
# eight module builds and two selftest builds were a third of a warm make check, and most of
# their objects are the same from one run to the next. It lives in the cache next to the
# kernels; paths under the repository are hashed relative to it, so a fresh clone elsewhere
# hits too. MACHINA_CCACHE=0 builds without it. CCACHE is the command to put before the
# compiler ("" without ccache).
CCACHE=""
if [ "${MACHINA_CCACHE:-1}" != 0 ] && command -v ccache >/dev/null 2>&1; then
	CCACHE=ccache
	export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
	export CCACHE_BASEDIR=$REPO CCACHE_NOHASHDIR=1 CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-2G}
fi

msg() { printf '%s\n' "$*" >&2; }
die() {
	msg "error: $*"
	exit 1
}

# The names of the kernels in kernels.conf, in file order.
conf_names() {
	awk '!/^[[:space:]]*(#|$)/ { print $1 }' "$KERNELS_CONF"
}

# conf_load NAME: set K_NAME K_QARCH K_DARCH K_PATTERN K_PREF_REL K_PREF_VER from
# kernels.conf (the preferred build may be absent: empty).
conf_load() {
	local line
	line=$(awk -v n="$1" '!/^[[:space:]]*#/ && $1 == n { print; exit }' "$KERNELS_CONF")
	[ -n "$line" ] || die "kernel '$1' is not in $KERNELS_CONF (known: $(conf_names | tr '\n' ' '))"
	K_PREF_REL="" K_PREF_VER=""
	read -r K_NAME K_QARCH K_DARCH K_PATTERN K_PREF_REL K_PREF_VER <<<"$line"
	[ -n "$K_PATTERN" ] || die "kernels.conf: '$1' has no release pattern"
	K_CONF_LINE=$line
}

# kernel_load NAME: conf_load, then K_REL K_VER (the build fetch-kernels.sh resolved and
# unpacked for NAME) from the cache.
kernel_load() {
	conf_load "$1"
	local r
	r=$CACHE/kernels/$1/resolved
	[ -f "$r" ] || die "$1: not fetched yet (run fetch-kernels.sh $1)"
	K_REL=$(sed -n 's/^release=//p' "$r")
	K_VER=$(sed -n 's/^version=//p' "$r")
}

# resolved_line NAME: one line saying what NAME resolved to (for the reports).
resolved_line() {
	local r=$CACHE/kernels/$1/resolved
	[ -f "$r" ] || { echo "$1: not fetched"; return; }
	awk -F= '{ v[$1] = substr($0, length($1) + 2) }
		END { printf "%s: linux %s (%s), %s %s%s\n", v["name"], v["release"], v["version"],
			v["kbuild"], v["kbuild_version"], v["note"] == "" ? "" : "; " v["note"] }' "$r"
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

# archive_table: the kernel packages apt's lists offer now (refresh them first), as the table
# resolve-kernel.sh reads: "PACKAGE ARCH VERSION DEPENDS..." one package version a line.
archive_table() {
	local f
	for f in /var/lib/apt/lists/*_Packages*; do
		[ -e "$f" ] || continue
		# apt keeps its lists compressed (lz4 here); apt-helper reads any of its formats.
		/usr/lib/apt/apt-helper cat-file "$f"
	done | awk '
	/^Package: / { p = $2; a = v = d = ""; next }
	/^Architecture: / { a = $2; next }
	/^Version: / { v = $2; next }
	/^Depends: / { d = $0; next }
	/^$/ {
		if (p ~ /^linux-(image|headers|kbuild|source)-/ && p !~ /-dbg$/) {
			sub(/^Depends: */, "", d)
			n = split(d, x, /[,|]/)
			s = ""
			for (i = 1; i <= n; i++) {
				t = x[i]
				sub(/^[ \t]+/, "", t)
				sub(/[ \t(:].*/, "", t)
				if (t != "") s = s " " t
			}
			print p, a, v s
		}
		p = ""
	}' | sort -u
}

# TAP for the bench's own self-tests (resolver-test.sh, ci-summary-test.sh): tap_check NAME
# STATUS [DETAIL] prints one result (STATUS 0: ok) and, after a failure, DETAIL indented;
# tap_end prints the plan and "N passed, N failed", and fails if anything did.
TAP_N=0 TAP_PASS=0 TAP_FAIL=0
tap_check() {
	TAP_N=$((TAP_N + 1))
	if [ "$2" = 0 ]; then
		TAP_PASS=$((TAP_PASS + 1))
		echo "ok $TAP_N - $1"
	else
		TAP_FAIL=$((TAP_FAIL + 1))
		echo "not ok $TAP_N - $1"
		[ -z "${3:-}" ] || sed 's/^/# /' <<<"$3"
	fi
}
tap_end() {
	echo "1..$TAP_N"
	echo "$TAP_PASS passed, $TAP_FAIL failed"
	[ "$TAP_FAIL" = 0 ]
}
