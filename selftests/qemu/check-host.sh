#!/usr/bin/env bash
# check-host.sh MODULE.ko: run the selftests against the running kernel (`make check-host`).
#
# For a real machine that can load modules (not the VMs of `make check`): builds the selftests
# for this machine's arch, then runs the same run-tests.sh as the VM's /init (insmod, every
# *_test and *.sh, rmmod) and judges its output together with the kernel messages printed
# meanwhile. Needs root. Prints the per-program table and "N passed, N failed, N skipped".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

KO=${1:?usage: check-host.sh MODULE.ko}
[ "$(id -u)" = 0 ] || die "check-host loads a module: run it as root"
[ -e /proc/modules ] || die "this kernel cannot load modules (no /proc/modules)"
! grep -q '^machina ' /proc/modules || die "machina is already loaded; rmmod it first"

arch=$(uname -m | sed 's/aarch64/arm64/')
out=$BUILD/selftests-host/$arch
mkdir -p "$out" "$BUILD/logs"
make -C "$REPO/selftests" ARCH="$arch" OUT="$out" HARNESS_DIR="$("$QEMU_DIR/harness.sh")"

# run-tests.sh loads the module with insmod, which does not follow its dependencies (LZ4's
# compressor where the kernel builds it as a module): load those first.
for dep in $(modinfo -F depends "$KO" | tr ',' ' '); do
	modprobe "$dep" || die "machina.ko needs the module $dep, which did not load"
done

# A unique line in the kernel log marks where our run starts, so that only the messages
# printed since then are judged.
mark="machina-check-host-$$-$EPOCHSECONDS"
echo "$mark" >/dev/kmsg
log=$BUILD/logs/host.log
status=0
# The module's directory must be readable by the tests that reload it: pass the real path.
MODULE=$(realpath "$KO") TESTS=$out sh "$QEMU_DIR/run-tests.sh" 2>&1 | tee "$log" || status=1
{
	echo "MACHINA-DMESG-BEGIN"
	# util-linux dmesg prints "[seconds] " stamps, which is what scan-log.sh treats as kernel.
	dmesg | sed -n "/$mark/,\$p"
	echo "MACHINA-DMESG-END"
} >>"$log"

echo
echo "== host $(uname -r) =="
"$QEMU_DIR/scan-log.sh" "$log" "$BUILD/logs/host.result" || status=1
p=$(sed -n 's/^passed=//p' "$BUILD/logs/host.result")
f=$(sed -n 's/^failed=//p' "$BUILD/logs/host.result")
s=$(sed -n 's/^skipped=//p' "$BUILD/logs/host.result")
echo "$p passed, $f failed, $s skipped"
exit $status
