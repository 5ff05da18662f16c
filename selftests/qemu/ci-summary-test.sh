#!/usr/bin/env bash
# ci-summary-test.sh: the self-test of ci-summary.sh (what .ci/run prints for a failed check),
# run by check.sh before any kernel.
#
# Made-up logs of three kernels: one clean, one with a failed test (it ended: MACHINA-END),
# one that crashed in an oops far from the end of its console (no MACHINA-END; x86 registers,
# escape sequences, no final newline). The summary must name each log it prints, keep each
# console inside its own header and footer, print the crash's oops from its first line
# through its Call Trace, and never print the clean kernel. Prints TAP and, last,
# "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# check NAME CONDITION: one TAP line for the shell CONDITION; on failure the start of the
# summary, indented.
check() {
	local st=0
	(eval "$2") >/dev/null 2>&1 || st=1
	tap_check "$1" "$st" "$(head -n 20 "$tmp/out")"
}

L=$tmp/logs
mkdir -p "$L"
# A clean kernel: never printed.
{
	echo "[    0.000000] Linux version 6.1.0-1-amd64 (clean)"
	echo "MACHINA-INIT uptime=1.0 kernel=6.1.0-1-amd64 arch=x86_64"
	echo "CLEAN-KERNEL-MARKER"
	echo "MACHINA-END passed=3 failed=0 skipped=0 uptime=9.0"
} >"$L/k-clean.log"
printf 'passed=3\nfailed=0\nskipped=0\nboot=1.0\nfirst_report=0\n' >"$L/k-clean.result"

# A failed test on an arm64 kernel that ended normally: its last 150 lines and the assert.
{
	printf '[    0.000000] Linux version 6.1.0-2-arm64 (test)\r\n'
	printf 'MACHINA-INIT uptime=1.0 kernel=6.1.0-2-arm64 arch=aarch64\r\n'
	echo "MACHINA-TEST-BEGIN vm_test"
	echo "#  RUN           global.exec_race"
	echo "# vm_test.c:42:exec_race:Expected 0 (0) == st (23)"
	echo "#      FAIL  global.exec_race"
	echo "not ok 7 global.exec_race"
	echo "MACHINA-TEST-END vm_test rc=1 passed=6 failed=1 skipped=0 secs=2.0"
	for i in $(seq 1 200); do echo "ARM64-TAIL-$i"; done
	echo "MACHINA-END passed=6 failed=1 skipped=0 uptime=9.0"
} >"$L/k-arm.log"
printf 'passed=6\nfailed=1\nskipped=0\nboot=1.0\nfirst_report=0\n' >"$L/k-arm.result"

# A crash: an escape sequence at boot, the oops 300 lines before the end (an other CPU's
# and a program's lines inside it), 300 lines of noise after it, no MACHINA-END, no final
# newline.
{
	printf '\033c\033[2J[    0.000000] Linux version 6.12.9-amd64 (test)\r\n'
	printf 'MACHINA-INIT uptime=1.0 kernel=6.12.9-amd64 arch=x86_64\r\n'
	echo "MACHINA-TEST-BEGIN ipc_pset_test"
	echo "#  RUN           pset.blocked_set_receiver_wakes_for_any_member"
	echo "[  150.000001] general protection fault, probably for non-canonical address 0xdead000000000122: 0000 [#1] PREEMPT SMP NOPTI"
	echo "[  150.000002] CPU: 1 PID: 7 Comm: ipc_pset_test Not tainted 6.12.9-amd64 #1"
	echo "[  150.000003] RIP: 0010:___slab_alloc+0x3a1/0x9e0"
	echo "some program output in between"
	echo "[  150.000004] RSP: 0018:ffffb0c0 EFLAGS: 00010046 X86-REGISTERS-MARKER"
	echo "[  150.000005] Call Trace:"
	echo "[  150.000006]  <IRQ>"
	echo "[  150.000007]  ? die_addr+0x3c/0x60"
	echo "[  150.000008]  kmem_cache_alloc+0x2c/0x2b0"
	echo "[  150.000009]  ipc_kmsg_alloc+0x55/0x120 [machina]"
	echo "[  150.000010]  </IRQ>"
	echo "[  150.000011]  LAST-FRAME-MARKER+0x1/0x2"
	echo "[  150.000012] Modules linked in: machina binder_linux"
	echo "[  150.000013] ---[ end trace 0000000000000000 ]---"
	for i in $(seq 1 300); do echo "[  150.1] NOISE-$i"; done
	printf '[  151.0] Kernel panic - not syncing: Fatal exception in interrupt'
} >"$L/k-x86.log"
printf 'passed=40\nfailed=2\nskipped=0\nboot=1.0\nfirst_report=5\n' >"$L/k-x86.result"

rc=0
"$QEMU_DIR/ci-summary.sh" "$L" >"$tmp/out" 2>&1 || rc=$?
out=$tmp/out

# section NAME: the lines of NAME's section, header to footer.
section() { sed -n "/^======== $1: /,/^======== end of $1 /p" "$out"; }

check "it exits 0" '[ "$rc" = 0 ]'
check "the clean kernel is not printed" '! grep -q "CLEAN-KERNEL-MARKER\|k-clean" "$out"'
check "each failed log is named in its header, with the console's own Linux version" \
	'grep -q "^======== k-arm: $L/k-arm.log (console: Linux version 6.1.0-2-arm64;" "$out" &&
	 grep -q "^======== k-x86: $L/k-x86.log (console: Linux version 6.12.9-amd64;" "$out"'
check "each section ends with a footer naming its log" \
	'grep -qF "======== end of k-arm ($L/k-arm.log)" "$out" &&
	 grep -qF "======== end of k-x86 ($L/k-x86.log)" "$out"'
check "a console's lines stay inside its own section" \
	'[ "$(grep -c "ARM64-TAIL-\|X86-REGISTERS-MARKER\|NOISE-" "$out")" = \
	   "$(( $(section k-arm | grep -c "ARM64-TAIL-") + $(section k-x86 | grep -c "X86-REGISTERS-MARKER\|NOISE-") ))" ] &&
	 ! section k-arm | grep -q "X86-REGISTERS-MARKER\|NOISE-" && ! section k-x86 | grep -q "ARM64-TAIL-"'
check "an ended kernel: its last 150 lines" \
	'section k-arm | grep -qx ARM64-TAIL-200 && section k-arm | grep -qx ARM64-TAIL-52 &&
	 ! section k-arm | grep -qx ARM64-TAIL-50'
check "a crashed kernel: its oops from the first line, 300 lines before the end" \
	'section k-x86 | grep -q "general protection fault, probably for non-canonical" &&
	 section k-x86 | grep -q X86-REGISTERS-MARKER'
check "a crashed kernel: the oops through its Call Trace, a program's line inside it kept" \
	'section k-x86 | grep -q LAST-FRAME-MARKER && section k-x86 | grep -q "some program output in between" &&
	 section k-x86 | grep -qF "ipc_kmsg_alloc+0x55/0x120 [machina]"'
check "a crashed kernel: the trace ends at its end, then the last lines of the console" \
	'! section k-x86 | grep -qF "[  150.1] NOISE-200" && section k-x86 | grep -qxF "[  150.1] NOISE-300" &&
	 section k-x86 | grep -q "Kernel panic - not syncing"'
check "no escape sequences or carriage returns reach the output" '! grep -q $'"'"'[\033\r]'"'"' "$out"'
check "the failed tests: the assert of the failed test, named by program" \
	'grep -q "^--- vm_test$" "$out" && grep -q "Expected 0 (0) == st (23)" "$out"'

tap_end
