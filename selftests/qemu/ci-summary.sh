#!/usr/bin/env bash
# ci-summary.sh LOGDIR: what CI prints after a failed make check (.ci/run), since CI may not
# keep build/: for each kernel whose verdict (LOGDIR/<name>.result) is not clean, its console
# log LOGDIR/<name>.log, then every failed test of those kernels with the lines its run
# printed (the asserts that failed).
#
# Each log's section starts with a header naming the log and what the console says it is
# (the kernel's "Linux version" and /init's MACHINA-INIT line), and ends with a footer naming
# it again, so that no section can pass for another kernel's. A kernel that crashed or gave
# no verdict (no MACHINA-END line, or a kernel report such as an oops) gets its first kernel
# report from the line that starts it ("BUG:", "Oops", "general protection", "Unable to
# handle", "WARNING:", "Kernel panic") through the end of its Call Trace, then the last
# lines of the console; any other failed kernel gets the last 150 lines. Control characters
# other than tab are removed from what is printed (a guest's escape sequences would act on
# the reader's terminal).
set -euo pipefail
[ $# = 1 ] && [ -d "$1" ] || { echo "usage: ci-summary.sh LOGDIR" >&2; exit 2; }
LOGDIR=$1

# clean: the console without \r and other control characters (tab and newline kept), ending in
# a newline.
clean() { LC_ALL=C tr -d '\000-\010\013-\037\177' <"$1" | sed '$a\'; }

# The kernel reports that start an oops (timestamped kernel lines only, as in scan-log.sh).
OOPS='BUG:|Oops|general protection|Unable to handle|WARNING:|Kernel panic|KASAN|UBSAN|kernel BUG'

# oops CONSOLE: the first kernel report of a cleaned console (a file: awk may stop reading
# early) from its first line through the end of its trace: the "---[ end trace" line, or
# the last stack-frame line after "Call Trace:"/"Call trace:", at most 200 lines. Prints
# nothing when there is no report.
oops() {
	awk -v pat="$OOPS" '
	function frame(s) {
		# A stack frame or a register dump line of the trace (both arches).
		return s ~ /^ *(\? )?[A-Za-z_.][A-Za-z0-9_.]*\+0x[0-9a-f]+\/0x[0-9a-f]+/ ||
		       s ~ /^ *<\/?(IRQ|TASK|NMI|EOI)>/ || s ~ /^ *\[<[0-9a-f]+>\]/
	}
	!start && match($0, /\[ *[0-9]+\.[0-9]+\] /) && substr($0, RSTART + RLENGTH) ~ pat {
		start = NR
	}
	!start { next }
	{
		n++
		print
		msg = $0
		if (match(msg, /\[ *[0-9]+\.[0-9]+\] /)) msg = substr(msg, RSTART + RLENGTH)
		if (msg ~ /---\[ end (trace|Kernel panic)/) exit
		# Lines without a timestamp (a program writing in between) neither end nor
		# continue the trace.
		if ($0 !~ /\[ *[0-9]+\.[0-9]+\] /) { if (n >= 200) exit; next }
		if (msg ~ /Call [Tt]race:/) intrace = 1
		else if (intrace && frame(msg)) seenframe = 1
		else if (intrace && seenframe) exit
		if (n >= 200) exit
	}' "$1"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed_kernels=()
for r in "$LOGDIR"/*.result; do
	[ -e "$r" ] || continue
	grep -qx 'failed=0' "$r" || failed_kernels+=("$r")
done

for r in ${failed_kernels[@]+"${failed_kernels[@]}"}; do
	log=${r%.result}.log
	name=$(basename "$log" .log)
	if [ ! -f "$log" ]; then
		echo "======== $name: no console log ($log)"
		continue
	fi
	# One cleaned copy (no grep -q on a pipe: with pipefail, the writer's SIGPIPE would
	# count as "not found").
	clean "$log" >"$tmp/console"
	version=$(grep -a -m 1 -o 'Linux version [^ ]*' "$tmp/console" || true)
	init=$(grep -a -m 1 -o 'MACHINA-INIT .*' "$tmp/console" || true)
	echo "======== $name: $log (console: ${version:-no Linux version line}; ${init:-/init never started})"
	report=$(oops "$tmp/console")
	if ! grep -aq 'MACHINA-END ' "$tmp/console" || [ -n "$report" ]; then
		if [ -n "$report" ]; then
			echo "---- $name: the first kernel report, from its start through its Call Trace"
			printf '%s\n' "$report"
		else
			echo "---- $name: no kernel report in the console"
		fi
		echo "---- $name: the last 60 lines of $log"
		tail -n 60 "$tmp/console"
	else
		echo "---- $name: the last 150 lines of $log"
		tail -n 150 "$tmp/console"
	fi
	echo "======== end of $name ($log)"
done

# Then, last (what CI shows of a long output is its start and its end), every failed test of
# those kernels with the lines its run printed: the asserts that failed.
for r in ${failed_kernels[@]+"${failed_kernels[@]}"}; do
	log=${r%.result}.log
	[ -f "$log" ] || continue
	echo "======== failed tests in $(basename "$log" .log) ($log)"
	clean "$log" >"$tmp/console"
	awk '
		/^MACHINA-TEST-BEGIN / { prog = $2; n = 0 }
		/^# +RUN / { n = 0 }
		{ buf[n++ % 40] = $0 }
		/^not ok / {
			print "--- " prog
			for (i = (n > 40 ? n - 40 : 0); i < n; i++) print buf[i % 40]
			n = 0
		}
		/^MACHINA-TEST-END .* rc=[1-9]/ { print }' "$tmp/console" | tail -n 120
done
