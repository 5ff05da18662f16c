#!/usr/bin/env bash
# mkinitramfs.sh: pack the test VM's initramfs (a gzip'd newc cpio).
#
#   mkinitramfs.sh -o OUT.gz --busybox BUSYBOX --module machina.ko [--tests DIR]
#                  [--extra DIR]... [--binder binder_linux.ko] [--preload KO]...
#                  [--timeout SECS]
#                  [--no-compress] [--strip STRIP] [--kernel-name NAME]
#                  [--prog PROGRAM [ARGS...] | --prog-alone /tests/NAME [ARGS...]]
#
# The archive's size is boot time: a KASAN kernel under TCG needs ~11 s to inflate a 1.6 MB
# gzip'd initramfs and still ~1 s per MB to unpack a plain one. So --no-compress writes a
# plain cpio (for those kernels), test directories lose their build byproducts (objects,
# libraries, headers: the tests are static) and --strip STRIP (the target's strip) drops the
# debug info and symbol tables of the copied programs (--strip-all: 51.0 MB of programs
# where --strip-debug left 56.8 MB; no test reads its own symbols).  A plain cpio of the
# selftests (52.8 MB) took 17.6 s of debug-rt-arm64's boot to unpack (2026-12-07).
# Contents: /bin/busybox (+ /bin/sh; the other applet links are made at boot), /init,
# /lib/machina/{machina.ko,run-tests.sh,binder_linux.ko}, /lib/machina/preload/NN-<name>.ko
# (the --preload modules machina.ko depends on, loaded by /init in the order given), /tests/ (a copy of DIR),
# /tests-extra/<name>/ (one per --extra DIR), /vm-run/<program> and /etc/machina.conf.
# --prog takes the rest of the command line: a host file is copied into /vm-run/; a path under
# /tests/ names a program of the --tests DIR. --prog-alone /tests/NAME is the same, but /tests/
# holds NAME only (for a program that runs no sibling of its own: a smaller image). No device nodes (devtmpfs provides /dev) and
# `cpio -R 0:0`, so no root is needed.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

out="" busybox="" module="" tests="" binder="" timeout=300 prog="" extras=() args=() preloads=()
compress="gzip -1" strip="" kname="" alone=0
while [ $# -gt 0 ]; do
	case $1 in
	-o) out=$2; shift 2 ;;
	--busybox) busybox=$2; shift 2 ;;
	--module) module=$2; shift 2 ;;
	--tests) tests=$2; shift 2 ;;
	--extra) extras+=("$2"); shift 2 ;;
	--binder) binder=$2; shift 2 ;;
	--preload) preloads+=("$2"); shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--no-compress) compress="cat"; shift ;;
	--strip) strip=$2; shift 2 ;;
	--kernel-name) kname=$2; shift 2 ;;
	--prog) prog=$2; shift 2; args=("$@"); break ;;
	--prog-alone) prog=$2 alone=1; shift 2; args=("$@"); break ;;
	*) echo "mkinitramfs.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] && [ -x "$busybox" ] && [ -f "$module" ] || {
	echo "usage: mkinitramfs.sh -o OUT --busybox PATH --module KO [--tests DIR] ..." >&2
	exit 2
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,etc,lib/machina}
cp "$busybox" "$stage/bin/busybox"
ln -s busybox "$stage/bin/sh"
install -m 755 "$HERE/init" "$stage/init"
install -m 644 "$module" "$stage/lib/machina/machina.ko"
install -m 755 "$HERE/run-tests.sh" "$stage/lib/machina/run-tests.sh"
[ -z "$binder" ] || install -m 644 "$binder" "$stage/lib/machina/binder_linux.ko"
n=10
for ko in ${preloads[@]+"${preloads[@]}"}; do
	install -D -m 644 "$ko" "$stage/lib/machina/preload/$n-$(basename "$ko")"
	n=$((n + 1))
done

# copy_tests SRC DEST: a test directory without its build byproducts. -L: the VM needs the
# files, not symlinks into the build tree; -m: no directories left empty by the excludes.
copy_tests() {
	rsync -rLptm --exclude='*.o' --exclude='*.a' --exclude='*.d' --exclude='*.so' \
		--exclude='*.so.*' --exclude='include/' --exclude='.*' "$1/" "$2/"
}
if [ "$alone" = 1 ]; then
	[ -n "$tests" ] && [[ $prog == /tests/* ]] && [ -f "$tests/${prog#/tests/}" ] || {
		echo "mkinitramfs.sh: --prog-alone $prog is not a program of --tests" >&2
		exit 1
	}
	mkdir -p "$stage/tests"
	cp -L "$tests/${prog#/tests/}" "$stage/tests/"
elif [ -n "$tests" ]; then
	copy_tests "$tests" "$stage/tests"
fi
extra_dirs=""
for d in ${extras[@]+"${extras[@]}"}; do
	name=$(basename "$d")
	mkdir -p "$stage/tests-extra"
	copy_tests "$d" "$stage/tests-extra/$name"
	extra_dirs="$extra_dirs /tests-extra/$name"
done

guest_prog=""
if [ -n "$prog" ]; then
	if [ -f "$prog" ]; then
		mkdir -p "$stage/vm-run"
		install -m 755 "$prog" "$stage/vm-run/"
		guest_prog=/vm-run/$(basename "$prog")
	elif [ -f "$stage$prog" ]; then
		guest_prog=$prog
	else
		echo "mkinitramfs.sh: program $prog is neither a host file nor in the initramfs" >&2
		exit 1
	fi
	# One argument per line: run-tests.sh reads them back with `read -r`.
	: >"$stage/etc/machina.args"
	[ ${#args[@]} -eq 0 ] || printf '%s\n' "${args[@]}" >"$stage/etc/machina.args"
fi

# strip refuses scripts and foreign files ("file format not recognized"): leave those be.
# The module keeps its symbol table (oopses are decoded with it) and its STT_FILE symbols, which
# --strip-debug would drop: kcov_cover.h tells mach/ from personality/ by them.  The DWARF and
# the programs' symbols stay on the host.
if [ -n "$strip" ]; then
	find "$stage/tests" "$stage/tests-extra" "$stage/vm-run" -type f -perm -u+x \
		-exec "$strip" --strip-all {} + 2>/dev/null || true
	"$strip" --strip-debug --keep-file-symbols "$stage/lib/machina/machina.ko"
fi

# A program replaces the suites; the suites' files stay in the image for it to use.
guest_tests=""
[ -z "$tests" ] || guest_tests=/tests
if [ -n "$guest_prog" ]; then
	guest_tests="" extra_dirs=""
fi
# Sourced by /init. Values are single-quoted; none of them may contain a quote.
cat >"$stage/etc/machina.conf" <<EOF
TESTS='$guest_tests'
EXTRA='$extra_dirs'
PROG='$guest_prog'
PROG_ARGS_FILE='/etc/machina.args'
TEST_TIMEOUT='$timeout'
MACHINA_KERNEL='$kname'
EOF

# Sorted names make the archive independent of the directory order on disk.
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
	$compress >"$out.tmp"
mv "$out.tmp" "$out"
