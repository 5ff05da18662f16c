#!/usr/bin/env bash
# fetch-kernels.sh [name...]: download and unpack the kernels of kernels.conf (default: all of
# them) into the cache, each into a private root that works as a KDIR.
#
# Which build of each kernel is fetched is decided by resolve-kernel.sh against the archive
# as apt's lists show it now. A kernel already in the cache is kept as it is (a cached run
# stays reproducible) unless its kernels.conf line changed; if a new machine would resolve
# it differently today, that is said in one line and kept in <cache>/kernels/<name>/drift.
#
# Nothing is installed: apt would refuse the arm64 headers (their dependencies are arm64
# binaries), and writing into /usr/src would make one machine's kernels clash with another
# checkout's.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

DEBS=$CACHE/debs
mkdir -p "$DEBS"
# One fetch at a time per cache (parallel runs of run-kernel.sh each call us); then scratch
# dirs left by an interrupted download can go.
exec 7>"$CACHE/fetch.lock"
flock 7
rm -rf "$DEBS"/.dl.*

# apt-get download as root warns that its sandbox user cannot write here; we do not need the
# sandbox for a plain download into our own cache.
APT_OPTS=(-q)
[ "$(id -u)" != 0 ] || APT_OPTS+=(-o APT::Sandbox::User=root)

# fetch PKG VERSION [DEB-ARCH]: make sure $DEBS holds PKG at exactly VERSION; print its path.
# Without DEB-ARCH, apt picks the host's arch or "all".
fetch() {
	local pkg=$1 ver=$2 arch=${3:-} f tmp spec
	# Kernel packages have no epoch, so the file name is PKG_VERSION_ARCH.deb (ARCH may be all).
	for f in "$DEBS/${pkg}_${ver}_"*.deb; do
		[ -e "$f" ] && { echo "$f"; return; }
	done
	spec=$pkg${arch:+:$arch}=$ver
	msg "  downloading $spec"
	# Download into a scratch dir first so an interrupted download never looks complete.
	tmp=$(mktemp -d "$DEBS/.dl.XXXXXX")
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" download "$spec" >&2) ||
		die "apt-get download $spec failed (run setup-host.sh; is the version still in the archive?)"
	f=$(echo "$tmp"/*.deb)
	mv "$f" "$DEBS/"
	rmdir "$tmp"
	echo "$DEBS/$(basename "$f")"
}

# Rewrite absolute symlinks inside a private root so they point inside it: the headers link
# lib/modules/<rel>/build -> /usr/src/... and similar; relative ones already resolve.
fix_symlinks() {
	local root=$1 l t
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		case $t in
		/*) ln -sfn "$root$t" "$l" ;;
		esac
	done < <(find "$root" -type l -print0)
}

# summary FILE: "release (version, kbuild kbuild_version)" of a resolution file.
summary() {
	awk -F= '{ v[$1] = substr($0, length($1) + 2) }
		END { printf "%s (%s, %s %s)", v["release"], v["version"], v["kbuild"], v["kbuild_version"] }' "$1"
}

fetch_kernel() {
	conf_load "$1"
	local dir=$CACHE/kernels/$K_NAME root today
	root=$dir/root
	today=$(mktemp)
	# What a new machine would get now; a failure is only fatal if nothing is cached.
	local why=""
	why=$("$QEMU_DIR/resolve-kernel.sh" "$K_NAME" 2>&1 >"$today") || true
	if [ -f "$dir/resolved" ] && [ "$(cat "$dir/conf" 2>/dev/null)" = "$K_CONF_LINE" ] &&
		[ -f "$root/boot/vmlinuz-$(sed -n 's/^release=//p' "$dir/resolved")" ]; then
		local have want=""
		have=$(summary "$dir/resolved")
		[ -n "$why" ] || want=$(summary "$today")
		if [ -n "$why" ]; then
			echo "drift: cached $have; a new machine could not fetch $K_NAME today: ${why#error: }" >"$dir/drift"
		elif [ "$have" != "$want" ]; then
			echo "drift: cached $have; a new machine would get $want today" >"$dir/drift"
		else
			rm -f "$dir/drift"
		fi
		msg "$K_NAME: cached $have"
		[ ! -f "$dir/drift" ] || msg "$K_NAME: $(cat "$dir/drift")"
		rm -f "$today"
		return
	fi
	[ -z "$why" ] || { rm -f "$today"; die "${why#error: }"; }
	local rel ver common kbuild kver note
	rel=$(sed -n 's/^release=//p' "$today")
	ver=$(sed -n 's/^version=//p' "$today")
	common=$(sed -n 's/^common=//p' "$today")
	kbuild=$(sed -n 's/^kbuild=//p' "$today")
	kver=$(sed -n 's/^kbuild_version=//p' "$today")
	note=$(sed -n 's/^note=//p' "$today")
	msg "$K_NAME: fetching linux $rel ($ver)"
	[ -z "$note" ] || msg "$K_NAME: $note"
	local debs=() f
	f=$(fetch "linux-image-$rel-unsigned" "$ver" "$K_DARCH")
	debs+=("$f")
	f=$(fetch "linux-headers-$rel" "$ver" "$K_DARCH")
	debs+=("$f")
	# The -common headers are Architecture: all (apt finds no PKG:arm64 for them).
	f=$(fetch "$common" "$ver")
	debs+=("$f")
	# kbuild holds fixdep/modpost/... binaries: they run here, so take the host's arch.
	f=$(fetch "$kbuild" "$kver" "$HOST_DEB_ARCH")
	debs+=("$f")

	msg "$K_NAME: unpacking"
	rm -rf "$dir"
	mkdir -p "$root"
	local d
	for d in "${debs[@]}"; do
		dpkg-deb -x "$d" "$root"
	done

	# The arch headers' Makefile includes the -common Makefile by absolute path; point it at
	# our copy. (Its scripts/ and tools/ are relative links to ../../lib/linux-kbuild-*,
	# which resolve inside the private root as they are.)
	local hdr=$root/usr/src/linux-headers-$rel
	[ -f "$hdr/Makefile" ] || die "$K_NAME: $hdr/Makefile missing after unpacking"
	sed -i "s|/usr/src/linux-headers-|$root/usr/src/linux-headers-|g" "$hdr/Makefile"
	fix_symlinks "$root"
	[ -e "$hdr/scripts/basic/fixdep" ] || die "$K_NAME: $hdr/scripts does not resolve (kbuild package?)"
	[ -f "$root/boot/vmlinuz-$rel" ] || die "$K_NAME: no boot/vmlinuz-$rel in the image package"

	# Keep a ready-to-insmod copy of binder when the kernel ships it as a module (for later
	# benchmarks). Debian may compress modules; busybox insmod cannot always read those.
	local b
	b=$(find "$root/lib/modules/$rel" -name 'binder_linux.ko*' -print -quit)
	case $b in
	"") ;;
	*.xz) xz -dc "$b" >"$dir/binder_linux.ko" ;;
	*.zst) zstd -qdc "$b" >"$dir/binder_linux.ko" ;;
	*.gz) gzip -dc "$b" >"$dir/binder_linux.ko" ;;
	*) cp "$b" "$dir/binder_linux.ko" ;;
	esac

	# Written last: a kernel with these two files is complete.
	echo "$K_CONF_LINE" >"$dir/conf"
	mv "$today" "$dir/resolved"
	msg "$K_NAME: ready: $(summary "$dir/resolved")"
}

# A static busybox for every guest arch that is not the host's (the host's is installed).
fetch_busybox() {
	local arch=$1 dir=$CACHE/busybox/$1 f
	[ "$arch" != "$HOST_DEB_ARCH" ] || return 0
	[ -x "$dir/bin/busybox" ] && return 0
	msg "busybox-static:$arch: fetching"
	# busybox has an epoch, so its file name is not predictable; download fresh each time the
	# unpacked copy is missing and clean up after.
	local tmp
	tmp=$(mktemp -d "$DEBS/.dl.XXXXXX")
	(cd "$tmp" && apt-get "${APT_OPTS[@]}" download "busybox-static:$arch" >&2)
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in "$tmp"/*.deb; do dpkg-deb -x "$f" "$dir"; done
	mv "$tmp"/*.deb "$DEBS/"
	rmdir "$tmp"
	[ -x "$dir/bin/busybox" ] || die "busybox-static:$arch has no bin/busybox"
}

names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(conf_names)
# One table of the archive for every resolution of this run.
if [ -z "${MACHINA_ARCHIVE:-}" ]; then
	MACHINA_ARCHIVE=$(mktemp)
	trap 'rm -f "$MACHINA_ARCHIVE"' EXIT
	archive_table >"$MACHINA_ARCHIVE"
	export MACHINA_ARCHIVE
fi
for n in "${names[@]}"; do
	fetch_kernel "$n"
done
# Busybox for every arch of the matrix, even if only some kernels were asked for: the debug
# kernels (not in kernels.conf) need it too, and it is one small package.
for a in $(awk '!/^[[:space:]]*(#|$)/ { print $3 }' "$KERNELS_CONF" | sort -u); do
	fetch_busybox "$a"
done
