#!/usr/bin/env bash
# run.sh [--no-icount] [--timeout S] [-- machina-bench options]: the benchmarks, behind `make bench`.
#
# Builds machina-bench, then boots each kernel ONCE (KERNELS, default "6.1-arm64
# 6.12-arm64-16k") with machina.ko and binder_linux.ko loaded, under QEMU TCG with
# -icount shift=0,sleep=off (a guest clock that counts instructions: ratios repeat to a few
# percent), and runs every benchmark in that boot. Options after -- go to machina-bench
# (e.g. -- -q for a smoke run, -- rtt for one benchmark).
#   --no-icount   plain TCG: wall-clock guest timing, for side notes only (noisy)
#   --timeout S   kill a VM after S seconds (default 1200)
# Output: each kernel's benchmark report in build/bench/<kernel>[.wall].txt, the console log
# in build/logs/<kernel>.vm-run.log. Exits non-zero if a kernel did not boot or a benchmark
# failed to run -- not when a target is missed (benchmarks are not tests).
# Environment: as run-kernel.sh (MACHINA_SRC: another module tree; MACHINA_BUILD).
set -euo pipefail
. "$(dirname "$0")/../qemu/lib.sh"

icount=1 timeout=1200 args=()
while [ $# -gt 0 ]; do
	case $1 in
	--no-icount) icount=0; shift ;;
	--timeout) timeout=$2; shift 2 ;;
	--) shift; args=("$@"); break ;;
	*) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2 ;;
	esac
done
read -r -a kernels <<<"${KERNELS:-6.1-arm64 6.12-arm64-16k}"

"$QEMU_DIR/setup-host.sh"
"$QEMU_DIR/fetch-kernels.sh" "${kernels[@]}"

status=0
reports=()
for k in "${kernels[@]}"; do
	conf_load "$k"
	arch=$(karch_of "$K_QARCH")
	out=$BUILD/bench/$arch
	make -s -C "$REPO/selftests/bench" ARCH="$arch" OUT="$out" -j"$(nproc)"
	report=$BUILD/bench/$k$([ $icount = 1 ] || echo .wall).txt
	rk=("$QEMU_DIR/run-kernel.sh" "$k" --timeout "$timeout")
	[ $icount = 0 ] || rk+=(--icount)
	if [ $icount = 1 ] && [ "$K_QARCH" != aarch64 ]; then
		msg "warning: $k: the x86_64 kernels do not boot under -icount shift=0 (docs/testing.md)"
	fi
	echo
	echo "######## $k ($([ $icount = 1 ] && echo 'TCG, icount shift=0' || echo 'TCG, wall clock'))"
	t0=$EPOCHREALTIME
	# icount needs TCG; KVM would also make the numbers incomparable with the documented ones.
	if ! MACHINA_ACCEL=tcg "${rk[@]}" --prog "$out/machina-bench" ${args[@]+"${args[@]}"} \
		>"$report.run" 2>&1; then
		status=1
	fi
	wall=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }')
	# The report: machina-bench's own output, then how long the whole boot took.
	{
		sed -n '/^machina-bench: /,/^machina-bench exit status/p' "$report.run"
		echo "# $k: boot + benchmarks took ${wall} s of wall time (TCG$([ $icount = 1 ] && echo ', icount'))"
	} >"$report"
	if ! grep -q '^machina-bench exit status: 0' "$report"; then
		status=1
		tail -n 30 "$report.run"
	fi
	cat "$report"
	reports+=("$report")
done

echo
echo "######## summary"
for r in "${reports[@]}"; do
	echo "== $(basename "$r" .txt)"
	sed -n '/^== summary ==/,/^targets:/p' "$r" | sed '1d'
	grep '^# .*wall time' "$r" || true
done
exit $status
