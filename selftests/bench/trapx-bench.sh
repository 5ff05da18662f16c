#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# trapx-bench.sh: docs/benchmarks.md "Darwin trap path": what the trap hooks
# cost processes that never opted in (a null getpid, a pipe round trip on one
# CPU), with the module loaded and nobody opted in, with an opted-in holder
# alive, after the holder is gone and the hooks' linger passed, after rmmod
# and after insmod again; then libmach's ioctl path against its trap path
# (trap_cost mach).  Meant for one --icount boot:
#   run-kernel.sh <kernel> --icount --timeout 900 --prog selftests/bench/trapx-bench.sh
# Runs in the test VM (busybox sh).
N=${TRAPX_NULL_N:-10000}
P=${TRAPX_PIPE_N:-2000}
M=${TRAPX_MACH_N:-2000}
cd /tests || exit 1
ko=/lib/machina/machina.ko	# where /init loads it from (module_test.sh)
rc=0

costs() {
	echo "# $1"
	./trap_cost null "$N" || rc=1
	./trap_cost pipe "$P" || rc=1
}

costs "module loaded, nobody opted in"
./trap_cost hold &
holder=$!
sleep 1
costs "module loaded, an opted-in process alive (hooks on)"
echo "# libmach's ioctl and trap paths (hooks on)"
./trap_cost mach "$M" || rc=1
kill $holder
wait $holder 2>/dev/null
sleep 12
costs "module loaded, holder gone, after the linger"
i=0
while ! rmmod machina 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 30 ] || { echo "# rmmod machina refused"; exit 1; }
	sleep 1
done
costs "module unloaded"
if insmod "$ko"; then
	costs "module loaded again"
else
	echo "# insmod $ko failed"
	rc=1
fi
exit $rc
