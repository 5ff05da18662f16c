#!/usr/bin/env bash
# Build (or reuse) an instrumented debug kernel (KASAN, lockdep, kmemleak, UBSAN, ...)
# from Debian's linux-source-<series>, for booting under QEMU and building the module against.
# KIND is arm64 or x86_64 (linux-source-6.1), or rt-arm64 (linux-source-6.12, PREEMPT_RT).
#
#   debug-kernel.sh <kind>                   build dir (usable as KDIR), one line on stdout
#   debug-kernel.sh --image <kind>           path of the boot image inside it
#   debug-kernel.sh --append <kind>          console argument for the kernel command line
#   debug-kernel.sh --check <kind> [m.ko..]  boot it once with busybox, insmod+rmmod each m.ko
#   debug-kernel.sh --source <kind>          "package version" of the source it builds from
#   debug-kernel.sh --config <kind>          only configure (in a scratch dir) and check that
#                                            every fragment line survived; prints the .config
#
# Builds are cached in ${MACHINA_CACHE:-~/.cache/machina}/debug-kernel/<kind>-<key>, the key
# hashing the source package version, the fragments in debug/, the build recipe below and
# the compiler, so a warm run costs nothing. The source is whatever linux-source-<series>
# apt serves (setup-host.sh installs it): a newer Debian revision simply makes a new key.
# MACHINA_JOBS overrides make -j (default: nproc); MACHINA_CMDLINE adds kernel arguments
# to --check.
# Modules: make -C <dir> M=<moddir> [ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-] modules
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${MACHINA_CACHE:-$HOME/.cache/machina}/debug-kernel
jobs=${MACHINA_JOBS:-$(nproc)}

log() { echo "debug-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,19s/^# \{0,1\}//p' "$0" >&2; exit 2; }

set_arch() {
	local host; host=$(uname -m)
	local a=${1#rt-}
	series=6.1
	case $1 in
	arm64|x86_64) ;;
	rt-arm64) series=6.12 ;;
	*) die "unknown kind '$1' (want arm64, x86_64 or rt-arm64)" ;;
	esac
	tarball=/usr/src/linux-source-$series.tar.xz
	case $a in
	arm64)  karch=arm64; image=arch/arm64/boot/Image; console=ttyAMA0
		cross=aarch64-linux-gnu-; [ "$host" = aarch64 ] && cross= ;;
	x86_64) karch=x86_64; image=arch/x86/boot/bzImage; console=ttyS0
		cross=x86_64-linux-gnu-; [ "$host" = x86_64 ] && cross= ;;
	esac
	frags=("$here/debug/base.config" "$here/debug/$a.config" "$here/debug/debug.config")
	# Later fragments win: the series' own adjustments, then PREEMPT_RT.
	[ ! -f "$here/debug/linux-$series.config" ] || frags+=("$here/debug/linux-$series.config")
	[ "$a" = "$1" ] || frags+=("$here/debug/rt.config")
}

# The recipe: its text (comments stripped by declare -f) is part of the cache key, so
# changing how the kernel is built invalidates old builds, editing the rest does not.
kmake() {
	make -C "$src" O="$out" ARCH="$karch" CROSS_COMPILE="$cross" -j"$jobs" "$@" \
		>>"$out/build.log" 2>&1 ||
		{ tail -n 30 "$out/build.log" >&2; die "make $* failed, see $out/build.log"; }
}
configure() {
	kmake tinyconfig
	"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" \
		>>"$out/build.log" 2>&1
	kmake olddefconfig
}
build() {
	kmake all
	kmake modules_prepare
}

# tinyconfig quietly drops an option whose dependencies are off, so insist that every
# line of the fragments (the last one per option wins) is what .config ended up with.
verify_config() {
	awk -v cfg="$out/.config" '
	/^CONFIG_[A-Za-z0-9_]+=/ { s = $0; sub(/=.*/, "", s); want[s] = $0; next }
	/^# CONFIG_[A-Za-z0-9_]+ is not set/ { want[$2] = "" }
	END {
		while ((getline l < cfg) > 0)
			if (l ~ /^CONFIG_/) { s = l; sub(/=.*/, "", s); have[s] = l }
		for (s in want) {
			got = (s in have) ? have[s] : "# " s " is not set"
			if (want[s] == "" ? got !~ /^#/ : got != want[s]) {
				printf "  want %s, got %s\n", want[s] == "" ? "# " s " is not set" : want[s], got
				bad = 1
			}
		}
		exit bad
	}' "${frags[@]}" >&2 || die "options above did not survive olddefconfig"
}

# One extraction per package version; extract elsewhere and rename, so a half-extracted
# tree is never taken for a whole one.
ensure_source() {
	local dir=$cache/src-$series-$src_version
	src=$dir/linux-source-$series
	[ -d "$dir" ] && return
	exec 8>"$cache/src.lock"; flock 8
	if [ ! -d "$dir" ]; then
		rm -rf "$cache"/src-*.tmp.*
		log "extracting $tarball"
		mkdir -p "$dir.tmp.$$"
		tar -xJf "$tarball" -C "$dir.tmp.$$"
		mv -T "$dir.tmp.$$" "$dir"
	fi
	exec 8>&-
}

# Prints the build directory; builds first unless its stamp says a build finished.
# An interrupted build has no stamp, and rerunning make resumes it where it stopped
# (regenerating an identical .config does not make kbuild recompile anything).
kernel_dir() {
	[ -f "$tarball" ] || die "$tarball missing; run selftests/qemu/setup-host.sh"
	command -v "${cross}gcc" >/dev/null || die "${cross}gcc missing; run setup-host.sh"
	src_version=$(dpkg-query -W -f='${Version}' "linux-source-$series")
	local key
	key=$({ echo "$src_version $karch $("${cross}gcc" --version | head -n1)"
		cat "${frags[@]}"; declare -f kmake configure build; } | sha256sum | cut -c1-12)
	out=$cache/$1-$key
	if [ ! -f "$out/.machina-built" ]; then
		mkdir -p "$cache"
		ensure_source
		# One build at a time, whatever the arch: two would only fight over the cores.
		exec 9>"$cache/build.lock"; flock 9
		if [ ! -f "$out/.machina-built" ]; then
			mkdir -p "$out"
			log "building $1 kernel in $out (log: $out/build.log)"
			local t0=$SECONDS
			configure
			verify_config
			build
			[ -f "$out/$image" ] && [ -f "$out/Module.symvers" ] || die "build left no image"
			echo "$key" >"$out/.machina-built"
			log "built $1 kernel in $((SECONDS - t0)) s"
		fi
		exec 9>&-
	fi
	echo "$out"
}

# The busybox-static binary for the guest: the host's own, or the arm64 one from the
# arm64 .deb (it cannot be installed next to the amd64 one).
guest_busybox() {
	[ -z "$cross" ] && { echo /bin/busybox; return; }
	local deb=${1#rt-}; [ "$deb" = x86_64 ] && deb=amd64
	local dir=$cache/busybox-$deb
	if [ ! -x "$dir/bin/busybox" ]; then
		local tmp; tmp=$(mktemp -d)
		chmod 755 "$tmp"  # lets apt's sandbox user write the .deb
		(cd "$tmp" && apt-get download -q "busybox-static:$deb" >&2)
		dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x"
		mkdir -p "$dir/bin"; cp "$tmp/x/bin/busybox" "$dir/bin/busybox.tmp"
		mv "$dir/bin/busybox.tmp" "$dir/bin/busybox"; rm -rf "$tmp"
	fi
	echo "$dir/bin/busybox"
}

# Proves the kernel reaches user space and loads modules, with no report at boot.
check() {
	local arch=$1; shift
	local kdir bb
	kdir=$(kernel_dir "$arch")
	bb=$(guest_busybox "$arch")
	work=$(mktemp -d)  # global: the EXIT trap runs after this function returned
	trap 'rm -rf "$work"' EXIT
	mkdir -p "$work"/root/{bin,proc,sys,dev,mod}
	cp "$bb" "$work/root/bin/busybox"
	[ $# -gt 0 ] && cp "$@" "$work/root/mod/"
	cat >"$work/root/init" <<-'EOF'
	#!/bin/busybox sh
	/bin/busybox --install -s /bin
	mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev
	echo "debug-kernel-check: user space at $(cut -d' ' -f1 /proc/uptime) s"
	for m in /mod/*.ko; do
		[ -e "$m" ] || continue
		n=$(basename "$m" .ko)
		insmod "$m" && rmmod "$n" && echo "debug-kernel-check: insmod+rmmod $n ok"
	done
	echo "debug-kernel-check: done"
	poweroff -f
	EOF
	chmod +x "$work/root/init"
	(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"
	local qemu
	case $arch in
	*arm64) qemu=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on) ;;
	x86_64) qemu=(qemu-system-x86_64 -accel tcg -cpu max,la57=off) ;;
	esac
	local t0=$SECONDS
	timeout "${MACHINA_BOOT_TIMEOUT:-600}" "${qemu[@]}" -m 1024 -smp 2 -nographic \
		-no-reboot -kernel "$kdir/$image" -initrd "$work/initrd.gz" \
		-append "console=$console panic=-1 ${MACHINA_CMDLINE:-}" </dev/null | tee "$work/console.log" >&2 || true
	log "qemu ran $((SECONDS - t0)) s"
	local bad=0
	grep -q 'debug-kernel-check: done' "$work/console.log" || { log "never finished"; bad=1; }
	local n=$#; [ "$(grep -c 'insmod+rmmod .* ok' "$work/console.log")" = "$n" ] ||
		{ log "a module failed to load or unload"; bad=1; }
	if grep -E 'BUG:|WARNING:|Oops|KASAN|UBSAN|circular locking|possible recursive locking|sleeping function called|unreferenced object' \
		"$work/console.log" >&2; then log "reports in the boot log (above)"; bad=1; fi
	[ $bad = 0 ] && log "$arch: boot check passed"
	return $bad
}

case ${1:-} in
--image)  [ $# = 2 ] || usage; set_arch "$2"; d=$(kernel_dir "$2"); echo "$d/$image" ;;
--append) [ $# = 2 ] || usage; set_arch "$2"; echo "console=$console" ;;
--check)  [ $# -ge 2 ] || usage; set_arch "$2"; a=$2; shift 2; check "$a" "$@" ;;
--config) [ $# = 2 ] || usage; set_arch "$2"
	[ -f "$tarball" ] || die "$tarball missing; run selftests/qemu/setup-host.sh"
	src_version=$(dpkg-query -W -f='${Version}' "linux-source-$series")
	mkdir -p "$cache"; ensure_source
	out=$(mktemp -d "$cache/config-$2.XXXXXX"); configure; verify_config
	cp "$out/.config" "$cache/config-$2.last"; rm -rf "$out"; echo "$cache/config-$2.last" ;;
--source) [ $# = 2 ] || usage; set_arch "$2"
	echo "linux-source-$series $(dpkg-query -W -f='${Version}' "linux-source-$series")" ;;
-*|"")    usage ;;
*)        [ $# = 1 ] || usage; set_arch "$1"; kernel_dir "$1" ;;
esac
