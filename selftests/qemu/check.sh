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

# The bench's own self-tests: the resolver's, and the CI failure summary's (ci-summary.sh);
# and the compressor's codecs under the host's sanitizers (codec-host-test.sh, no VM).
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
selftest codec codec-host-test.sh

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

# The kernels boot MACHINA_LANES at a time (default 2), the debug kernels first, the slowest
# first, then the stock kernels, then the +asym boots (which wait for their kernel's own
# run): a free lane takes the next one. With two lanes the two debug kernels run side by
# side from the start: on the 2-core machine of session 9 that took 873 s wall for both,
# where one lane running them one after the other beside the stock kernels took 1674 s (the
# stock kernels' module builds beside a debug guest slowed it down more than the other debug
# guest did; docs/testing.md, "Where the time goes"). Meanwhile a builder builds the stock
# kernels' modules and packs their initramfs ahead of their boots (run-kernel.sh
# --build-only, at nice 10, in the order they boot, skipping any whose run has started), so
# that a lane that frees boots its next stock kernel at once; a stock guest mostly waits
# (mach_msg timeouts, an idle second guest CPU), so two stock boots side by side take
# little longer than one. Each run's output is kept and printed whole when it ends; runs of
# one kernel share its build under its lock, runs of one arch the selftests build
# (run-kernel.sh).
LANES=${MACHINA_LANES:-2}
[[ $LANES =~ ^[1-9][0-9]*$ ]] || die "MACHINA_LANES=$LANES: want a positive number"
# Once no debug guest runs, MACHINA_STOCK_LANES boot at once (default 3, or MACHINA_LANES
# when that is set): a stock guest mostly waits, so a third beside two others costs them
# little, where a stock guest beside the debug pair slowed it 3-6 times (docs/testing.md,
# session 13).
STOCK_LANES=${MACHINA_STOCK_LANES:-${MACHINA_LANES:-3}}
[[ $STOCK_LANES =~ ^[1-9][0-9]*$ ]] ||
	die "MACHINA_STOCK_LANES=$STOCK_LANES: want a positive number"
order=()
for n in debug-rt-arm64 debug-arm64 debug-x86_64; do
	for m in ${debug[@]+"${debug[@]}"}; do [ "$m" != "$n" ] || order+=("$n"); done
done
for m in ${debug[@]+"${debug[@]}"}; do
	case " ${order[*]} " in *" $m "*) ;; *) order+=("$m") ;; esac
done
order+=(${stock[@]+"${stock[@]}"} ${asym[@]+"${asym[@]}"})

# run_one NAME: one kernel's run, its output and exit status kept in $RESULTS.
run_one() {
	local status=0 args=("$1" --result "$RESULTS/$1" ${extra[@]+"${extra[@]}"})
	case $1 in
	*+asym) args=("${1%+asym}" --result "$RESULTS/$1" --asym --prog-alone /tests/qos_placement_test) ;;
	esac
	"$QEMU_DIR/run-kernel.sh" "${args[@]}" >"$RESULTS/$1.out" 2>&1 </dev/null || status=$?
	echo "$status" >"$RESULTS/$1.status"
}

# prebuild: build each stock kernel ahead of its boot, in boot order, unless its run has
# started (then the run builds it), at the nice level in $RESULTS/prebuild.nice. A failed
# build is the run's to report: it builds again.
prebuild() {
	local n
	for n in ${stock[@]+"${stock[@]}"}; do
		[ ! -e "$RESULTS/$n.started" ] || continue
		nice -n "$(cat "$RESULTS/prebuild.nice")" "$QEMU_DIR/run-kernel.sh" "$n" --build-only \
			${extra[@]+"${extra[@]}"} >>"$RESULTS/prebuild.out" 2>&1 </dev/null || true
	done
}

# unnice PID: PID and every process under it back to nice 0 (parents first, so that what
# they start meanwhile inherits it). Lowering a nice level needs root: else it stays.
unnice() {
	local p
	renice -n 0 -p "$1" >/dev/null 2>&1 || true
	for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do unnice "$p"; done
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
echo "######## running ${#order[@]} kernels, $LANES at a time ($STOCK_LANES once no debug guest runs): ${order[*]}"
# The builder runs at nice 10 while only debug guests boot (it must not slow the longest
# run down), and at 0 from the first stock boot on (a lane may then wait for its build).
builder=""
if [ ${#stock[@]} -gt 0 ] && [ "${#order[@]}" -gt "$LANES" ]; then
	echo 10 >"$RESULTS/prebuild.nice"
	prebuild &
	builder=$!
	msg "stock kernels: building ahead of their boots (pid $builder)"
fi
next=0 running=0 debug_running=0
declare -A lane_pids=()
# lane_limit: how many lanes may run now: MACHINA_LANES while a debug guest runs or the next
# run is one, MACHINA_STOCK_LANES after.
lane_limit() {
	if [ "$debug_running" -gt 0 ] || [[ ${order[$next]:-} == debug-* && ${order[$next]} != *+asym ]]; then
		echo "$LANES"
	else
		echo "$STOCK_LANES"
	fi
}
while :; do
	while [ "$next" -lt "${#order[@]}" ] && [ "$running" -lt "$(lane_limit)" ]; do
		n=${order[$next]}
		next=$((next + 1))
		msg "$n: started"
		: >"$RESULTS/$n.started"
		if [ -n "$builder" ] && [ "$(cat "$RESULTS/prebuild.nice")" != 0 ] &&
			case " ${stock[*]} " in *" $n "*) true ;; *) false ;; esac; then
			echo 0 >"$RESULTS/prebuild.nice"
			unnice "$builder"
		fi
		run_one "$n" &
		lane_pids[$!]=$n
		running=$((running + 1))
		[[ $n != debug-* || $n == *+asym ]] || debug_running=$((debug_running + 1))
	done
	[ "$running" -gt 0 ] || break
	# Only a lane's end frees a lane (the builder's end does not).
	done_pid=""
	wait -n -p done_pid || true
	[ -n "${lane_pids[$done_pid]:-}" ] || continue
	n=${lane_pids[$done_pid]}
	unset "lane_pids[$done_pid]"
	running=$((running - 1))
	[[ $n != debug-* || $n == *+asym ]] || debug_running=$((debug_running - 1))
	show_finished
done
show_finished
[ -z "$builder" ] || wait "$builder" || true

# get KEY RESULTFILE: one value of a run's result file ("-" if the run never got that far).
get() { sed -n "s/^$1=//p" "$2" 2>/dev/null | tail -n 1 | grep . || echo -; }

echo
echo "######## summary"
fmt="%-18s %7s %7s %8s %7s %8s  %s\n"
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" kernel passed failed skipped "boot s" "total s" verdict
# shellcheck disable=SC2154 # set by selftest() through printf -v
P=$((resolver_pass + summary_pass + codec_pass)) F=$((resolver_fail + summary_fail + codec_fail)) S=0
for t in resolver summary codec; do
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
