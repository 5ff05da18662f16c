#!/usr/bin/env bash
# check.sh [kernel...]: the whole test bench, behind `make check`.
#
# Installs what the host needs, fetches the pinned kernels, then runs run-kernel.sh for each
# kernel: by default every kernel of kernels.conf plus the two debug kernels; KERNELS="..."
# or arguments choose others. EXTRA_TESTS="dir..." adds directories of tests to every boot.
# Ends with a matrix and, as its very last line, "N passed, N failed, N skipped". Exits
# non-zero if anything failed, including a kernel that did not build or boot.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t_start=$EPOCHREALTIME
names=("$@")
if [ ${#names[@]} = 0 ]; then
	if [ -n "${KERNELS:-}" ]; then
		read -r -a names <<<"$KERNELS"
	else
		mapfile -t names < <(conf_names)
		names+=(debug-arm64 debug-x86_64)
	fi
fi

"$QEMU_DIR/setup-host.sh"
stock=()
for n in "${names[@]}"; do
	case $n in debug-*) ;; *) stock+=("$n") ;; esac
done
[ ${#stock[@]} = 0 ] || "$QEMU_DIR/fetch-kernels.sh" "${stock[@]}"
"$QEMU_DIR/harness.sh" >/dev/null

extra=()
for d in ${EXTRA_TESTS:-}; do extra+=(--extra "$d"); done

LOGS=$BUILD/logs
mkdir -p "$LOGS"
# Our own copies of the verdicts: someone else's run of a kernel rewrites build/logs/.
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT
declare -A verdict=()
for n in "${names[@]}"; do
	echo
	echo "######## $n"
	if "$QEMU_DIR/run-kernel.sh" "$n" --result "$RESULTS/$n" ${extra[@]+"${extra[@]}"}; then
		verdict[$n]=PASS
	else
		verdict[$n]=FAIL
	fi
done

# get KEY RESULTFILE: one value of a run's result file ("-" if the run never got that far).
get() { sed -n "s/^$1=//p" "$2" 2>/dev/null | tail -n 1 | grep . || echo -; }

echo
echo "######## summary"
fmt="%-18s %7s %7s %8s %7s %8s  %s\n"
# shellcheck disable=SC2059 # the format is ours
printf "$fmt" kernel passed failed skipped "boot s" "total s" verdict
P=0 F=0 S=0
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
echo "check.sh: $(awk -v a="$t_start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s in all; logs in $LOGS"
echo "$P passed, $F failed, $S skipped"
[ "$F" = 0 ]
