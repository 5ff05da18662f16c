#!/usr/bin/env bash
# check.sh [kernel...]: the whole test bench, behind `make check`.
#
# Installs what the host needs and refreshes apt's lists, runs the resolver's self-test,
# fetches the kernels (resolved against the archive as it is today; see resolve-kernel.sh),
# then runs run-kernel.sh for each kernel (MACHINA_LANES at a time, default 2): by default
# every kernel of kernels.conf plus the debug kernels; KERNELS="..." or arguments choose
# others. EXTRA_TESTS="dir..." adds
# directories of tests to every boot. FRESH=1 runs as a new machine would: in an empty cache
# (build/fresh-cache, emptied first) instead of ~/.cache/machina.
# The report starts with one line per kernel saying what it resolved to (and any drift
# between the cache and what a new machine would get today), and ends with a matrix and, as
# its very last line, "N passed, N failed, N skipped". Exits non-zero if anything failed,
# including a kernel that did not build or boot.
set -euo pipefail
if [ "${FRESH:-0}" = 1 ]; then
	MACHINA_CACHE=${MACHINA_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}/fresh-cache
	rm -rf "$MACHINA_CACHE"
	mkdir -p "$MACHINA_CACHE"
	export MACHINA_CACHE
	echo "FRESH=1: running as a new machine would, in the empty cache $MACHINA_CACHE"
fi
. "$(dirname "$0")/lib.sh"

t_start=$EPOCHREALTIME
names=("$@")
if [ ${#names[@]} = 0 ]; then
	if [ -n "${KERNELS:-}" ]; then
		read -r -a names <<<"$KERNELS"
	else
		mapfile -t names < <(conf_names)
		names+=(debug-x86_64 debug-rt-arm64 debug-rt-arm64+asym)
	fi
fi

# Each run looks at the archive as it is now: that is what a new machine would fetch.
MACHINA_APT_REFRESH=1 "$QEMU_DIR/setup-host.sh"

LOGS=$BUILD/logs
mkdir -p "$LOGS"
# Our own copies of the verdicts: someone else's run of a kernel rewrites build/logs/.
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT

# The bench's own self-tests: the resolver's, and the CI failure summary's (ci-summary.sh).
# selftest NAME SCRIPT: run one, its counts in ${NAME}_pass / ${NAME}_fail.
selftest() {
	local status=0 p f
	echo
	echo "######## $1 self-test"
	"$QEMU_DIR/$2" | tee "$LOGS/${2%.sh}.log" || status=$?
	p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$LOGS/${2%.sh}.log")
	f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$LOGS/${2%.sh}.log")
	[ "$status" = 0 ] || [ "${f:-0}" != 0 ] || f=1
	printf -v "${1}_pass" '%s' "${p:-0}"
	printf -v "${1}_fail" '%s' "${f:-1}"
}
selftest resolver resolver-test.sh
selftest summary ci-summary-test.sh

# A name KERNEL+asym is one more boot of KERNEL (arm64) on the asymmetric topology of
# run-kernel.sh --asym, running only the QoS placement test: the whole suite runs on the
# kernel's own boot.
stock=() debug=() asym=()
for n in "${names[@]}"; do
	case $n in
	*+asym) asym+=("$n") ;;
	debug-*) debug+=("$n") ;;
	*) stock+=("$n") ;;
	esac
done
for n in ${asym[@]+"${asym[@]}"}; do
	case " ${names[*]} " in *" ${n%+asym} "*) ;; *) die "$n needs ${n%+asym} in the same run" ;; esac
done
[ ${#stock[@]} = 0 ] || "$QEMU_DIR/fetch-kernels.sh" "${stock[@]}"
"$QEMU_DIR/harness.sh" >/dev/null

# What each kernel is, today: the report's header (and the summary's footer).
resolved_report() {
	local n
	for n in ${stock[@]+"${stock[@]}"}; do
		echo "resolved: $(resolved_line "$n")"
		[ ! -f "$CACHE/kernels/$n/drift" ] || echo "  $n $(cat "$CACHE/kernels/$n/drift")"
	done
	for n in ${debug[@]+"${debug[@]}"}; do
		echo "resolved: $n: built from $("$QEMU_DIR/debug-kernel.sh" --source "${n#debug-}") and selftests/qemu/debug/"
	done
}
echo
echo "######## kernels"
resolved_report

extra=()
for d in ${EXTRA_TESTS:-}; do extra+=(--extra "$d"); done

# The kernels boot MACHINA_LANES at a time (default 2: most of a run is one busy guest
# CPU, and QEMU's other threads and the builds fill the second core). A debug kernel's boot
# is CPU-bound under emulation; a stock kernel's is mostly waiting (mach_msg timeouts,
# usleeps, an idle second guest CPU). Two debug boots side by side slow each other down on
# the two cores (debug-rt-arm64: 406.5 s alone, 720.2 s next to debug-x86_64), so a free
# lane takes the next debug boot only while no other runs, else the next stock boot; a
# debug boot shares the machine with a stock one where it can. The debug kernels come
# first, the slowest first, so that the last lane to finish is not the one that started
# the debug kernel last; then the stock kernels, then the +asym boots (which wait for their
# kernel's own run). When no stock boot is left, a lane takes a debug one anyway rather than
# sit idle. Each run's output is kept and printed whole when it ends; runs of one arch
# share the selftests build under its lock (run-kernel.sh).
LANES=${MACHINA_LANES:-2}
[[ $LANES =~ ^[1-9][0-9]*$ ]] || die "MACHINA_LANES=$LANES: want a positive number"
order=()
for n in debug-rt-arm64 debug-arm64 debug-x86_64; do
	for m in ${debug[@]+"${debug[@]}"}; do [ "$m" != "$n" ] || order+=("$n"); done
done
for m in ${debug[@]+"${debug[@]}"}; do
	case " ${order[*]} " in *" $m "*) ;; *) order+=("$m") ;; esac
done
order+=(${stock[@]+"${stock[@]}"} ${asym[@]+"${asym[@]}"})

# heavy NAME: a debug kernel's boot (+asym ones included).
heavy() { case $1 in debug-*) return 0 ;; *) return 1 ;; esac; }

# run_one NAME: one kernel's run, its output and exit status kept in $RESULTS.
run_one() {
	local status=0 args=("$1" --result "$RESULTS/$1" ${extra[@]+"${extra[@]}"})
	case $1 in
	*+asym) args=("${1%+asym}" --result "$RESULTS/$1" --asym --prog-alone /tests/qos_placement_test) ;;
	esac
	"$QEMU_DIR/run-kernel.sh" "${args[@]}" >"$RESULTS/$1.out" 2>&1 </dev/null || status=$?
	echo "$status" >"$RESULTS/$1.status"
}

declare -A verdict=()
# show_finished: print every finished run not printed yet, and note its verdict.
show_finished() {
	local n
	for n in "${order[@]}"; do
		[ -z "${verdict[$n]:-}" ] && [ -f "$RESULTS/$n.status" ] || continue
		echo
		echo "######## $n"
		cat "$RESULTS/$n.out"
		if [ "$(cat "$RESULTS/$n.status")" = 0 ]; then verdict[$n]=PASS; else verdict[$n]=FAIL; fi
	done
}
echo
echo "######## running ${#order[@]} kernels, $LANES at a time: ${order[*]}"
declare -A started=()
# next_kernel: the index in order[] of the run a free lane takes (see above), or "" when
# every run has started.
next_kernel() {
	local i n busy=0 first="" light=""
	for n in "${order[@]}"; do
		[ -z "${started[$n]:-}" ] && continue
		[ -f "$RESULTS/$n.status" ] || ! heavy "$n" || busy=1
	done
	for i in "${!order[@]}"; do
		n=${order[$i]}
		[ -z "${started[$n]:-}" ] || continue
		[ -n "$first" ] || first=$i
		if ! heavy "$n"; then light=$i; break; fi
	done
	if [ "$busy" = 1 ] && [ -n "$light" ]; then echo "$light"; else echo "$first"; fi
}
running=0
while :; do
	while [ "$running" -lt "$LANES" ]; do
		i=$(next_kernel)
		[ -n "$i" ] || break
		n=${order[$i]}
		msg "$n: started"
		started[$n]=1
		run_one "$n" &
		running=$((running + 1))
	done
	[ "$running" -gt 0 ] || break
	wait -n || true
	running=$((running - 1))
	show_finished
done
show_finished

# get KEY RESULTFILE: one value of a run's result file ("-" if the run never got that far).
get() { sed -n "s/^$1=//p" "$2" 2>/dev/null | tail -n 1 | grep . || echo -; }

echo
echo "######## summary"
fmt="%-18s %7s %7s %8s %7s %8s  %s\n"
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" kernel passed failed skipped "boot s" "total s" verdict
P=$((resolver_pass + summary_pass)) F=$((resolver_fail + summary_fail)) S=0
for t in resolver summary; do
	p=${t}_pass f=${t}_fail
	# shellcheck disable=SC2059
	printf "$fmt" "$t" "${!p}" "${!f}" 0 - - "$([ "${!f}" = 0 ] && echo PASS || echo FAIL)"
done
for n in "${names[@]}"; do
	r=$RESULTS/$n
	p=$(get passed "$r") f=$(get failed "$r") s=$(get skipped "$r")
	if [ "$p" = - ]; then
		# No result: the module, the selftests or the kernel did not build.
		p=0 f=1 s=0
		verdict[$n]="FAIL (did not build or boot; see above)"
	elif [ "${verdict[$n]}" = FAIL ] && [ "$f" = 0 ]; then
		f=1 # e.g. a --prog failure; never let a failed kernel count as clean
	fi
	# shellcheck disable=SC2059
	printf "$fmt" "$n" "$p" "$f" "$s" "$(get boot "$r")" "$(get total "$r")" "${verdict[$n]}"
	P=$((P + p)) F=$((F + f)) S=$((S + s))
done
resolved_report
echo "check.sh: $(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s in all; logs in $LOGS"
echo "$P passed, $F failed, $S skipped"
[ "$F" = 0 ]
