#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The IPC suites a second time, through the trap path: with MACHINA_TRAPS=1
# libmach opts the process in and issues mach_msg and the mach_port_* calls
# that have a Mach trap as that trap (userlib/src/trap_path.c).  Each
# suite's own TAP lines are the result.  Skipped where the module cannot
# run Darwin traps (machina-exec, which opts in, exits 126 there).
# Runs in the test VM (busybox sh) with machina loaded.
# The debug kernels (lockdep, KASAN, PREEMPT_RT) run one suite this way: the
# trap entry's locking is what they are there for (the five cost about 140 s
# on debug-rt-arm64).  The bench's stock kernels share the five, as
# mt_rounds_part() shares a soak: each of an arch's three kernels runs a
# part, so that every suite goes through the traps on one arm64 and one
# x86_64 kernel of each make check (a stock kernel's five cost 8-15 s).
# Any other kernel (make check-host, a developer's run) runs all five.
dir=$(dirname "$0")
suites="ipc_port_test ipc_msg_test ipc_notify_test ipc_pset_test ipc_multiproc_test"
case ${MACHINA_KERNEL:-} in
debug-*) suites="ipc_notify_test" ;;
6.1-arm64 | 6.1-rt-amd64) suites="ipc_port_test ipc_msg_test" ;;
6.12-arm64-16k | 6.1-amd64) suites="ipc_multiproc_test" ;;
6.12-rt-arm64 | 6.12-amd64) suites="ipc_notify_test ipc_pset_test" ;;
esac

if ! "$dir/machina-exec" true; then
	echo "TAP version 13"
	echo "1..0 # SKIP the module does not run Darwin traps"
	exit 0
fi
rc=0
for s in $suites; do
	echo "# $s with MACHINA_TRAPS=1"
	MACHINA_TRAPS=1 "$dir/$s" || rc=1
done
exit $rc
