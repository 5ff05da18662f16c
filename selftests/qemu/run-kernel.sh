#!/usr/bin/env bash
# run-kernel.sh KERNEL [options] [--prog PROGRAM [ARGS...]]
#
# Build machina.ko for one kernel, build the selftests for its arch, pack an initramfs, boot
# it in QEMU, and judge the console log. KERNEL is a name from kernels.conf or debug-arm64,
# debug-x86_64, debug-rt-arm64 (built by debug-kernel.sh). Options:
#   --extra DIR       also run the *_test / *.sh programs of DIR (repeatable)
#   --timeout SECS    kill QEMU after SECS (default 600, debug kernels 2400)
#   --test-timeout S  kill one test program after S seconds (default 300, debug kernels 1200)
#   --icount          deterministic guest clock (-icount shift=0,sleep=off) for benchmarks
#   --asym            arm64 only: four CPUs of two capacities (1024, 1024, 400, 400) through a
#                     device tree dumped by QEMU and given capacity-dmips-mhz
#                     (fdt-capacity.py); adds machina_asym to the command line. Its logs are
#                     <kernel>.asym*.
#   --result FILE     also copy the verdict file to FILE (runs of one kernel overwrite theirs)
#   --build-only      build the module and the selftests and pack the initramfs, then stop
#                     (check.sh builds the stock kernels ahead of their boots with it)
#   --prog PROG ARGS  run only PROG (a host file, or /tests/NAME of the selftests) with ARGS
#                     instead of the suites, and print its output and exit status; must come
#                     last. A host script (*.sh) finds the selftests in /tests.
#   --prog-alone /tests/NAME ARGS  the same, with no other program in the image (for one
#                     that runs no sibling: the debug kernels unpack ~3 MB/s)
# Environment: MACHINA_ACCEL=tcg|kvm forces the accelerator; MACHINA_VERBOSE=1 streams the
# console while it runs; MACHINA_SRC / MACHINA_SELFTESTS point at other module / selftest
# trees (to test the bench itself).
#
# Output: build/<kernel>/ (module build, initramfs), build/selftests/<arch>/, the console log
# build/logs/<kernel>.log and the verdict build/logs/<kernel>.result (<kernel>.vm-run.* for
# --prog). Exit 0 iff all passed (with --prog: and the program exited 0).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	# The header comment above is the help text.
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}
[ $# -ge 1 ] || usage
KERNEL=$1
shift
# The debug kernels run the same tests 10-30x slower than the stock ones.
case $KERNEL in debug-*) boot_timeout=2400 test_timeout=1200 ;; *) boot_timeout=600 test_timeout=300 ;; esac
extras=() icount=0 asym=0 prog="" prog_args=() result_copy="" prog_opt=--prog build_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--extra) extras+=("$(cd "$2" && pwd)"); shift 2 ;;
	--timeout) boot_timeout=$2; shift 2 ;;
	--test-timeout) test_timeout=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--asym) asym=1; shift ;;
	--result) result_copy=$2; shift 2 ;;
	--build-only) build_only=1; shift ;;
	--prog | --prog-alone) prog_opt=$1 prog=$2; shift 2; prog_args=("$@"); break ;;
	*) usage ;;
	esac
done
# A single program gets the whole boot budget, less time to boot and shut down.
if [ -n "$prog" ]; then
	test_timeout=$((boot_timeout > 120 ? boot_timeout - 60 : boot_timeout))
fi

t_start=$EPOCHREALTIME
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

SRC=${MACHINA_SRC:-$REPO}
SELFTESTS=${MACHINA_SELFTESTS:-$REPO/selftests}
KB=$BUILD/$KERNEL
LOGS=$BUILD/logs
mkdir -p "$KB" "$LOGS"
# One run per kernel at a time: runs of one kernel share its module build and initramfs.
exec 9>"$KB/.lock"
if ! flock -n 9; then
	msg "$KERNEL: waiting for another run of this kernel to finish"
	flock 9
fi
# A --prog run keeps its own log so that it never overwrites the last test run's.
# An asymmetric boot keeps its own too.
tag=""
[ "$asym" = 0 ] || tag=.asym
LOG=$LOGS/$KERNEL$tag${prog:+.vm-run}.log
RESULT=$LOGS/$KERNEL$tag${prog:+.vm-run}.result
if [ "$build_only" = 0 ]; then
	rm -f "$RESULT"
	# A run that dies before booting leaves no verdict; neither may a stale copy.
	[ -z "$result_copy" ] || rm -f "$result_copy"
fi

# --- the kernel: headers to build against, image to boot ---------------------------------
binder=""
case $KERNEL in
debug-*)
	# debug-<kind>: arm64, x86_64 (6.1) or rt-arm64 (6.12 PREEMPT_RT); see debug-kernel.sh.
	DKIND=${KERNEL#debug-}
	KARCH=${DKIND#rt-}
	QARCH=$(qarch_of "$KARCH")
	DEBUG_SH=$QEMU_DIR/debug-kernel.sh
	[ -x "$DEBUG_SH" ] || die "$DEBUG_SH is missing: the debug kernels cannot be built yet"
	# It prints its build log on stderr and the answer as the last line of stdout.
	KDIR=$("$DEBUG_SH" "$DKIND" | tail -n 1)
	IMAGE=$("$DEBUG_SH" --image "$DKIND" | tail -n 1)
	;;
*)
	"$QEMU_DIR/fetch-kernels.sh" "$KERNEL"
	kernel_load "$KERNEL"
	QARCH=$K_QARCH
	KARCH=$(karch_of "$QARCH")
	root=$(kernel_root "$KERNEL")
	KDIR=$root/usr/src/linux-headers-$K_REL
	IMAGE=$root/boot/vmlinuz-$K_REL
	[ ! -f "$CACHE/kernels/$KERNEL/binder_linux.ko" ] || binder=$CACHE/kernels/$KERNEL/binder_linux.ko
	;;
esac
[ -d "$KDIR" ] || die "KDIR $KDIR does not exist"
[ -f "$IMAGE" ] || die "kernel image $IMAGE does not exist"
CROSS=$(cross_of "$KARCH")
DARCH=$(darch_of "$KARCH")
[ "$asym" = 0 ] || [ "$QARCH" = aarch64 ] || die "--asym needs an arm64 kernel ($KERNEL is $QARCH)"

# --- the module: built in one copy per kernel in the cache, shared by every tree -----------
# A copy, so that objects of different kernels (and of the developer's own in-tree builds)
# never mix. It lives in the cache ($CACHE/module-build/KERNEL), the same path whatever tree
# the sources come from, under a lock: a fresh clone's or another worktree's build then
# recompiles only the files whose content differs from the last build of that kernel
# (copy-src.sh copies only those, with the time of the copy). ccache alone could not do it:
# Kbuild compiles in the kernel's directory, so the path of the module's tree stays in every
# command line (measured: a second tree with identical sources hit 30 of 80 compilations).
# The module is then copied to build/KERNEL/machina.ko.
[ -f "$SRC/Kbuild" ] || die "$SRC/Kbuild is missing: no module sources to build"
t=$EPOCHREALTIME
MOD=$CACHE/module-build/$KERNEL
mkdir -p "$MOD"
exec 7>"$MOD.lock"
if ! flock -n 7; then
	msg "$KERNEL: waiting for another tree's build of this kernel's module"
	flock 7
fi
"$QEMU_DIR/copy-src.sh" "$SRC" "$MOD"
# MACHINA_WERROR=1: the bench treats warnings as errors (Kbuild leaves them alone for DKMS).
if ! make -C "$KDIR" M="$MOD" ARCH="$KARCH" ${CROSS:+CROSS_COMPILE=$CROSS} MACHINA_WERROR=1 \
	${CCACHE:+CC="$CCACHE ${CROSS}gcc"} -j"$(nproc)" modules >"$KB/module-build.log" 2>&1; then
	tail -n 40 "$KB/module-build.log" >&2
	die "$KERNEL: module build failed (full log: $KB/module-build.log)"
fi
[ -f "$MOD/machina.ko" ] || die "$KERNEL: the build made no machina.ko"
cp "$MOD/machina.ko" "$KB/machina.ko.tmp"
mv "$KB/machina.ko.tmp" "$KB/machina.ko"
exec 7>&-
grep -E 'warning:' "$KB/module-build.log" >&2 || true
msg "$KERNEL: module built ($(elapsed "$t") s)"

# --- the modules machina.ko depends on -------------------------------------------------------
# modinfo names them (LZ4's compressor, lz4_compress, on the stock kernels: a module in all of
# them; the debug kernels do not build it and the module does not use it there). Each is
# taken from the kernel's own modules, uncompressed for busybox's insmod, into the build
# directory; /init loads them before the tests load machina. Their own dependencies are not
# followed (lz4_compress has none).
# modinfo is in /sbin, not on an ordinary user's PATH on Debian.
preloads=()
modinfo=$(PATH=$PATH:/usr/sbin:/sbin command -v modinfo) ||
	die "modinfo (package kmod: setup-host.sh) is needed to find what machina.ko depends on"
deps=$("$modinfo" -F depends "$KB/machina.ko" | tr ',' ' ')
for dep in $deps; do
	[ -n "${root:-}" ] || die "$KERNEL: machina.ko depends on $dep, and this kernel has no module tree"
	ko=$(find "$root/lib/modules/$K_REL" \( -name "$dep.ko" -o -name "$dep.ko.*" \) -print -quit)
	[ -n "$ko" ] || die "$KERNEL: machina.ko depends on $dep, which $KERNEL does not ship"
	case $ko in
	*.xz) xz -dc "$ko" >"$KB/$dep.ko" ;;
	*.zst) zstd -qdc "$ko" >"$KB/$dep.ko" ;;
	*.gz) gzip -dc "$ko" >"$KB/$dep.ko" ;;
	*) cp "$ko" "$KB/$dep.ko" ;;
	esac
	preloads+=(--preload "$KB/$dep.ko")
done

# --- the selftests: one build per arch, shared by that arch's kernels ----------------------
# Not needed to run a program from the host (make vm-run), which then boots sooner; a host
# script (*.sh) gets them, so that it can run several of /tests in one boot.
TESTS_OUT=$BUILD/selftests/$KARCH
tests_arg=()
if [ -n "$prog" ] && [ -f "$prog" ] && [[ $prog != *.sh ]]; then
	:
elif [ -f "$SELFTESTS/Makefile" ]; then
	t=$EPOCHREALTIME
	harness=$("$QEMU_DIR/harness.sh")
	# Kernels of one arch share this build: hold its lock until the initramfs is packed.
	mkdir -p "$BUILD/selftests"
	exec 8>"$TESTS_OUT.lock"
	flock 8
	# Everything in the output dir goes into the VM, so a test that was removed or renamed
	# must not linger there: start afresh whenever the list of selftest sources changes.
	sources=$(cd "$SELFTESTS" && echo "$PWD" && find . -maxdepth 1 -type f | LC_ALL=C sort)
	if [ "$(cat "$TESTS_OUT/.sources" 2>/dev/null)" != "$sources" ]; then
		rm -rf "$TESTS_OUT"
	fi
	mkdir -p "$TESTS_OUT"
	echo "$sources" >"$TESTS_OUT/.sources"
	if ! make -C "$SELFTESTS" ARCH="$KARCH" OUT="$TESTS_OUT" \
		${CCACHE:+CC="$CCACHE ${CROSS}gcc"} \
		HARNESS_DIR="$harness" -j"$(nproc)" >"$KB/selftests-build.log" 2>&1; then
		tail -n 40 "$KB/selftests-build.log" >&2
		die "$KERNEL: selftests build failed (full log: $KB/selftests-build.log)"
	fi
	msg "$KERNEL: selftests built for $KARCH ($(elapsed "$t") s)"
	tests_arg=(--tests "$TESTS_OUT")
else
	die "$SELFTESTS/Makefile is missing: no selftests to run"
fi

# --- the initramfs ----------------------------------------------------------------------------
# The debug kernels inflate gzip ten times slower than they copy (KASAN-instrumented zlib).
INITRD=$KB/initrd$tag${prog:+.vm-run}.gz compress=()
case $KERNEL in
debug-*) INITRD=${INITRD%.gz}.cpio compress=(--no-compress) ;;
esac
mk=("$QEMU_DIR/mkinitramfs.sh" -o "$INITRD" --busybox "$(busybox_for "$DARCH")"
	--module "$KB/machina.ko" --timeout "$test_timeout" --strip "${CROSS}strip"
	--kernel-name "$KERNEL"
	${compress[@]+"${compress[@]}"}
	${tests_arg[@]+"${tests_arg[@]}"})
[ -z "$binder" ] || mk+=(--binder "$binder")
mk+=(${preloads[@]+"${preloads[@]}"})
for d in ${extras[@]+"${extras[@]}"}; do mk+=(--extra "$d"); done
[ -z "$prog" ] || mk+=("$prog_opt" "$prog" ${prog_args[@]+"${prog_args[@]}"})
"${mk[@]}"
exec 8>&-
if [ "$build_only" = 1 ]; then
	msg "$KERNEL: built, not booted (--build-only; $(elapsed "$t_start") s)"
	exit 0
fi

# --- QEMU -----------------------------------------------------------------------------------
# qemu_cmd ACCEL [MACHINE_OPTS]: set QEMU=(...), the command line for this kernel and
# accelerator (MACHINE_OPTS: appended to arm64's -M virt, for dumpdtb=).
# shellcheck disable=SC2054 # the commas belong to QEMU's option syntax
qemu_cmd() {
	local accel=$1 append="panic=-1 printk.time=1 loglevel=7" smp=2
	[ "$asym" = 0 ] || { smp=4 append="$append machina_asym"; }
	case $QARCH in
	aarch64)
		QEMU=(qemu-system-aarch64 -M "virt${2:+,$2}")
		append="console=ttyAMA0 $append"
		# pauth-impdef: the architected pointer-auth emulation makes Debian's kernel 3-4x
		# slower under TCG; the 16K-page kernel needs -cpu max as well.
		if [ "$accel" = kvm ]; then
			QEMU+=(-accel kvm -cpu host)
		else
			QEMU+=(-accel tcg -cpu max,pauth-impdef=on)
		fi
		;;
	x86_64)
		QEMU=(qemu-system-x86_64)
		# no_timer_check: on a loaded host the emulated IO-APIC timer test at boot can
		# miss its ticks and panic ("IO-APIC + timer doesn't work"); seen on 6.12-amd64
		# under TCG with a load average of 13. Linux skips the test for VMs with it.
		# tsc=unstable: 6.12 switches the sched_clock_stable static key on a few seconds
		# into boot, with both vCPUs running, and x86 patches its sites with int3; under
		# multi-threaded TCG on a loaded host that patch oopsed ("Oops: int3" in
		# sched_clock_cpu). 6.1 finds the TSCs unsynchronised before the other vCPU starts;
		# with this 6.12 does the same (docs/testing.md, "Kernel text patching under
		# emulation").
		append="console=ttyS0 no_timer_check tsc=unstable $append"
		# la57=off: with 5-level paging the KASAN kernel sometimes reports a false
		# wild-memory-access during early CPU setup.
		if [ "$accel" = kvm ]; then
			QEMU+=(-accel kvm -cpu host)
		else
			QEMU+=(-accel tcg -cpu max,la57=off)
		fi
		;;
	esac
	QEMU+=(-m 1024 -smp "$smp" -nographic -no-reboot -nic none
		-kernel "$IMAGE" -initrd "$INITRD" -append "$append")
	[ "$icount" = 0 ] || QEMU+=(-icount shift=0,sleep=off)
}

QPID=""
cleanup() {
	[ -z "$QPID" ] || kill -KILL "$QPID" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# boot LOG LIMIT STOP_AT_INIT: run QEMU with $QEMU into LOG for at most LIMIT seconds (stop
# once /init has started if STOP_AT_INIT=1). Sets BOOT_WALL (seconds until /init printed its
# first line, or "") and returns 0 if QEMU exited by itself, 1 if it was killed.
boot() {
	local log=$1 limit=$2 stop_at_init=$3 t0=$EPOCHREALTIME now
	BOOT_WALL=""
	: >"$log"
	# No stdin: with -nographic QEMU would otherwise put a terminal into raw mode.
	"${QEMU[@]}" </dev/null >>"$log" 2>&1 &
	QPID=$!
	if [ "${MACHINA_VERBOSE:-0}" = 1 ]; then
		tail -n +1 -f --pid="$QPID" "$log" &
	fi
	while kill -0 "$QPID" 2>/dev/null; do
		if [ -z "$BOOT_WALL" ] && grep -q MACHINA-INIT "$log"; then
			BOOT_WALL=$(elapsed "$t0")
			[ "$stop_at_init" = 0 ] || break
		fi
		now=$(elapsed "$t0")
		if awk -v n="$now" -v l="$limit" 'BEGIN { exit !(n >= l) }'; then
			break
		fi
		sleep 0.2
	done
	if kill -0 "$QPID" 2>/dev/null; then
		kill -TERM "$QPID" 2>/dev/null || true
		sleep 1
		kill -KILL "$QPID" 2>/dev/null || true
		wait "$QPID" 2>/dev/null || true
		QPID=""
		return 1
	fi
	wait "$QPID" 2>/dev/null || true
	QPID=""
	[ -n "$BOOT_WALL" ] || ! grep -q MACHINA-INIT "$log" || BOOT_WALL=$(elapsed "$t0")
	return 0
}

# The accelerator: KVM only where the guest runs natively and a short probe boot reaches
# /init (a nested guest can hang forever: that is why the probe has a timeout). The verdict
# holds until the host reboots. Sets ACCEL.
choose_accel() {
	ACCEL=tcg
	# icount counts emulated instructions: a TCG-only mode.
	[ "$icount" = 0 ] || return 0
	if [ -n "${MACHINA_ACCEL:-}" ]; then
		ACCEL=$MACHINA_ACCEL
		return
	fi
	[ "$(uname -m)" = "$QARCH" ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] || return 0
	local verdict=$CACHE/kvm-$QARCH boot_id
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	if [ -f "$verdict" ] && [ "$(head -n 1 "$verdict")" = "$boot_id" ]; then
		ACCEL=$(sed -n 2p "$verdict")
		return
	fi
	msg "$KERNEL: probing KVM (up to 25 s)"
	qemu_cmd kvm
	# stderr into the log: bash's notice if QEMU aborts (it does on some nested hosts).
	boot "$KB/kvm-probe.log" 25 1 2>>"$KB/kvm-probe.log" || true
	[ -z "$BOOT_WALL" ] || ACCEL=kvm
	mkdir -p "$CACHE"
	printf '%s\n%s\n' "$boot_id" "$ACCEL" >"$verdict"
	msg "$KERNEL: KVM $([ "$ACCEL" = kvm ] && echo works || echo 'does not work here'), using $ACCEL"
}

choose_accel
if [ "$asym" = 1 ]; then
	# The tree QEMU makes depends on its command line (CPUs, memory, initrd): dump it with
	# the very options of the boot, then give two of the four CPUs a lower capacity.
	DTB=$KB/asym.dtb
	qemu_cmd "$ACCEL" "dumpdtb=$DTB.orig"
	rm -f "$DTB.orig"
	"${QEMU[@]}" </dev/null >"$KB/dumpdtb.log" 2>&1 || { cat "$KB/dumpdtb.log" >&2; die "$KERNEL: dumpdtb failed"; }
	python3 "$QEMU_DIR/fdt-capacity.py" "$DTB.orig" "$DTB" 1024 1024 400 400
	qemu_cmd "$ACCEL"
	QEMU+=(-dtb "$DTB")
else
	qemu_cmd "$ACCEL"
fi
msg "$KERNEL: booting ($ACCEL, timeout ${boot_timeout}s): ${QEMU[*]}"
t=$EPOCHREALTIME
timed_out=0
boot "$LOG" "$boot_timeout" 0 2>>"$LOG" || timed_out=1
vm_secs=$(elapsed "$t")
[ "$timed_out" = 0 ] || msg "$KERNEL: QEMU killed after ${boot_timeout}s"

# --- the verdict ----------------------------------------------------------------------------
echo
echo "== $KERNEL ($QARCH, $ACCEL) =="
status=0
"$QEMU_DIR/scan-log.sh" "$LOG" "$RESULT" || status=1
first=$(sed -n 's/^first_report=//p' "$RESULT")
if [ "${first:-0}" != 0 ]; then
	echo
	echo "  first kernel report in context ($LOG line $first):"
	tr -d '\r' <"$LOG" | sed -n "$((first > 5 ? first - 5 : 1)),$((first + 40))p" | sed 's/^/    /'
fi
if [ -n "$prog" ]; then
	# The program's own section of the log, then its exit status.
	echo
	tr -d '\r' <"$LOG" | sed -n '/MACHINA-TEST-BEGIN '"$(basename "$prog")"'/,/MACHINA-TEST-END /p' |
		sed '1d;$d'
	prc=$(tr -d '\r' <"$LOG" | sed -n 's/.*MACHINA-PROG-EXIT rc=\([0-9]*\).*/\1/p')
	echo "$(basename "$prog") exit status: ${prc:-unknown (the VM did not get that far)}"
	[ "${prc:-1}" = 0 ] || status=1
fi
boot_s=$(sed -n 's/^boot=//p' "$RESULT")
total=$(elapsed "$t_start")
{
	echo "vm=$vm_secs"
	echo "total=$total"
	echo "accel=$ACCEL"
	echo "boot_wall=${BOOT_WALL:--}"
} >>"$RESULT"
[ -z "$result_copy" ] || cp "$RESULT" "$result_copy"
echo "  boot to /init: ${boot_s} s guest clock (${BOOT_WALL:--} s wall); VM ${vm_secs} s; total ${total} s"
echo "  log: $LOG"
echo "$KERNEL: $([ $status = 0 ] && echo PASS || echo FAIL)"
exit $status
