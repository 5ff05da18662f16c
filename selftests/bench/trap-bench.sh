#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# trap-bench.sh [MODULE.ko...]: docs/benchmarks.md "Darwin trap path":
# libmach's ioctl path against its trap path for the same calls
# (selftests/trap_cost.c "mach"), with an opted-in holder alive so that the
# hooks are attached for every pass.  Meant for one --icount boot:
#   run-kernel.sh 6.1-arm64 --icount --timeout 900 \
#       --prog selftests/bench/trap-bench.sh [MODULE.ko...]
# With module paths (guest paths, e.g. a baseline build passed with
# --extra DIR, found in /tests-extra/DIR/), each is loaded in turn in place
# of the running module and measured, so two builds compare in one boot;
# without, the loaded module is measured.  Runs in the test VM (busybox sh).
N=${TRAP_BENCH_N:-4000}
cd /tests || exit 1

measure() {
	./trap_cost hold &
	holder=$!
	sleep 1
	./trap_cost mach "$N" || rc=1
	kill $holder
	wait $holder 2>/dev/null
}

# swap KO: unload the running module (its tasks are gone once their
# processes are reaped; the release is asynchronous) and load KO.
swap() {
	i=0
	while grep -q '^machina ' /proc/modules && ! rmmod machina 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 30 ] || { echo "# rmmod machina refused"; return 1; }
		sleep 1
	done
	insmod "$1" || { echo "# insmod $1 failed"; return 1; }
}

rc=0
if [ $# -eq 0 ]; then
	measure
else
	for ko in "$@"; do
		echo "# module $ko"
		swap "$ko" || exit 1
		measure
	done
fi
exit $rc
