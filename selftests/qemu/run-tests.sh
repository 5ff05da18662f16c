#!/bin/sh
# run-tests.sh: load machina.ko, run the selftests, unload, and print one verdict line.
#
# Plain POSIX sh: it runs under busybox sh as part of the VM's /init, and under the host's sh
# for `make check-host`. Settings come from the environment:
#   MODULE         machina.ko to insmod (required; given to the tests as MACHINA_KO)
#   TESTS          directory of *_test binaries and *.sh scripts (may be empty)
#   EXTRA          space-separated directories run after TESTS, same rules (optional)
#   PROG           run only this program (with the arguments in PROG_ARGS_FILE, one per
#                  line) instead of the test suites (optional)
#   TEST_TIMEOUT   seconds per program before it is killed (default 300)
#   KMEMLEAK       1: scan kmemleak after unloading and print its report
#
# Output, read by scan-log.sh on the host (lines may be interleaved with kernel messages, so
# every marker carries its whole meaning on one line):
#   MACHINA-TEST-BEGIN <name>
#   ... the program's own TAP output ...
#   MACHINA-TEST-END <name> rc=<exit> passed=<n> failed=<n> skipped=<n> secs=<s>
#   MACHINA-END passed=<n> failed=<n> skipped=<n> uptime=<s>

TEST_TIMEOUT=${TEST_TIMEOUT:-300}
# Test scripts that reload the module find it here (/lib/machina/machina.ko in the VM).
MACHINA_KO=$MODULE
export MACHINA_KO
TMP=$(mktemp -d "${TMPDIR:-/tmp}/machina-run.XXXXXX") || exit 1
TALLY=$TMP/tally
total_pass=0
total_fail=0
total_skip=0

# Every process started costs a good part of a second on the debug kernels under emulation
# (about 20 per program made 8 s of each program's time on debug-rt-arm64), so the
# bookkeeping below starts as few as it can: shell builtins where they do, one awk pass.

# uptime_s: the seconds since boot (first field of /proc/uptime) into $UPTIME.
uptime_s() { read -r UPTIME _ </proc/uptime; }
# loaded: whether machina is in /proc/modules.
loaded() {
	while read -r mod _; do
		[ "$mod" != machina ] || return 0
	done </proc/modules
	return 1
}

# centis UPTIME: /proc/uptime's seconds (always two decimals) in hundredths, into $CENTIS
# (the leading 1 keeps a fraction like 08 from being read as octal).
centis() { CENTIS=$(( ${1%.*} * 100 + 1${1#*.} - 100 )); }

# elapsed START: the seconds since uptime START, one decimal, into $ELAPSED (no process).
elapsed() {
	uptime_s
	centis "$UPTIME"
	ELAPSED=$CENTIS
	centis "$1"
	ELAPSED=$(( (ELAPSED - CENTIS + 5) / 10 ))
	ELAPSED=$((ELAPSED / 10)).$((ELAPSED % 10))
}

# finish NAME RC PASSED FAILED SKIPPED: add to the totals and print the end marker, with
# the $ELAPSED of the last elapsed().
finish() {
	total_pass=$((total_pass + $3))
	total_fail=$((total_fail + $4))
	total_skip=$((total_skip + $5))
	echo "MACHINA-TEST-END $1 rc=$2 passed=$3 failed=$4 skipped=$5 secs=$ELAPSED"
}

# step NAME CMD...: a bench step that is itself one test (insmod, rmmod): pass iff CMD does.
step() {
	name=$1
	shift
	echo "MACHINA-TEST-BEGIN $name"
	uptime_s
	start=$UPTIME
	echo "# $*"
	if "$@"; then
		echo "ok 1 $name"
		elapsed "$start"
		finish "$name" 0 1 0 0
	else
		rc=$?
		echo "not ok 1 $name # exit status $rc"
		elapsed "$start"
		finish "$name" "$rc" 0 1 0
	fi
}

# stamp TALLY: copy standard input to standard output, adding to each kselftest result line
# ("#  OK  fixture.name", FAIL, SKIP) the seconds since its "#  RUN" line, so that a log
# shows where a slow kernel's time goes; and write to TALLY "passed failed skipped", counted
# from the TAP lines as they come in (any case): "ok N" and "not ok N" lines, those with a
# "# SKIP" directive counted as skipped. It reads the program's own output, before the
# console mixes kernel messages in.
stamp() {
	awk -v tally="$1" '
	function now(  u) {
		u = 0
		if ((getline u < "/proc/uptime") > 0) split(u, f, " ")
		close("/proc/uptime")
		return f[1] + 0
	}
	{ l = tolower($0) }
	l ~ /^(not )?ok [0-9]+/ {
		if (l ~ /#[ \t]*skip/) nskip++
		else if (l ~ /^ok/) npass++
		else nfail++
	}
	/^#[ \t]+RUN[ \t]/ { t = now() }
	/^#[ \t]+(OK|FAIL|SKIP)[ \t]/ { if (t != "") { $0 = $0 sprintf(" (%.1f s)", now() - t); t = "" } }
	{ print; fflush() }
	END { print npass + 0, nfail + 0, nskip + 0 > tally }'
}

# run NAME PROGRAM [ARGS...]: run one test program under a timeout, stream its output to the
# console and count its TAP results on the way (stamp: the console copy may be garbled by
# kernel messages).
run() {
	name=$1
	shift
	echo "MACHINA-TEST-BEGIN $name"
	uptime_s
	start=$UPTIME
	case $1 in
	*/*) dir=${1%/*} ;;
	*) dir=. ;;
	esac
	# Scripts run with sh (busybox sh in the VM) whatever their mode bits; binaries directly.
	case $1 in
	*.sh) set -- sh "$@" ;;
	esac
	# The exit status leaves the pipeline through a file: plain sh has no pipefail. The
	# program runs in its own directory so that it finds its sibling programs.
	: >"$TMP/rc"
	: >"$TALLY"
	(
		cd "$dir" || exit
		timeout -s TERM -k 10 "$TEST_TIMEOUT" "$@" </dev/null
		echo $? >"$TMP/rc"
	) 2>&1 | stamp "$TALLY"
	rc=
	read -r rc <"$TMP/rc" || true
	[ -n "$rc" ] || rc=255
	elapsed "$start"

	read -r passed failed skipped <"$TALLY" || true
	passed=${passed:-0} failed=${failed:-0} skipped=${skipped:-0}

	# The exit status has the last word where the TAP lines cannot speak for themselves:
	# killed by the timeout, crashed before printing "not ok", or a plain program without TAP.
	# timeout(1) reports 124; busybox's timeout leaves the signal status (128+15, 128+9).
	if { [ "$rc" = 124 ] || [ "$rc" = 143 ] || [ "$rc" = 137 ]; } && [ "${ELAPSED%.*}" -ge "$TEST_TIMEOUT" ]; then
		echo "not ok - $name # TIMEOUT after ${TEST_TIMEOUT}s"
		failed=$((failed + 1))
	elif [ "$rc" = 4 ] && [ $((passed + failed + skipped)) = 0 ]; then
		skipped=1
	elif [ "$rc" = 0 ] && [ $((passed + failed + skipped)) = 0 ]; then
		passed=1
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$failed" = 0 ]; then
		echo "not ok - $name # exit status $rc"
		failed=$((failed + 1))
	fi
	finish "$name" "$rc" "$passed" "$failed" "$skipped"
}

# ensure_loaded: scripts may rmmod/insmod; every program starts with the module loaded.
ensure_loaded() {
	loaded && return 0
	echo "# machina was unloaded by the previous program; loading it again"
	insmod "$MODULE" || echo "# insmod $MODULE failed"
}

# suite DIR PREFIX: every *_test binary, then every *.sh script, alphabetically (the shell
# sorts glob results).
suite() {
	for f in "$1"/*_test; do
		[ -f "$f" ] || continue
		ensure_loaded
		run "$2${f##*/}" "$f"
	done
	for f in "$1"/*.sh; do
		[ -f "$f" ] || continue
		ensure_loaded
		run "$2${f##*/}" "$f"
	done
}

step module-load insmod "$MODULE"

if [ -n "${PROG:-}" ]; then
	# `set --` rebuilds the argument list from the file, one argument per line.
	set --
	if [ -n "${PROG_ARGS_FILE:-}" ] && [ -f "$PROG_ARGS_FILE" ]; then
		while IFS= read -r a; do set -- "$@" "$a"; done <"$PROG_ARGS_FILE"
	fi
	run "${PROG##*/}" "$PROG" "$@"
	echo "MACHINA-PROG-EXIT rc=$rc"
else
	[ -z "${TESTS:-}" ] || suite "$TESTS" ""
	for d in ${EXTRA:-}; do
		d=${d%/}
	suite "$d" "${d##*/}/"
	done
fi

# A script may have unloaded the module already; only unload what is loaded.
if loaded; then
	step module-unload rmmod machina
fi

# kmemleak only reports objects unreferenced in a scan after they reach its minimum age
# (5 s); the second scan after a pause catches what the unload freed late (RCU callbacks).
if [ "${KMEMLEAK:-0}" = 1 ] && [ -w /sys/kernel/debug/kmemleak ]; then
	uptime_s
	echo "# kmemleak: scanning twice (uptime $UPTIME)"
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	uptime_s
	echo "MACHINA-KMEMLEAK-BEGIN uptime=$UPTIME"
	cat /sys/kernel/debug/kmemleak
	echo "MACHINA-KMEMLEAK-END"
fi

rm -rf "$TMP"
uptime_s
echo "MACHINA-END passed=$total_pass failed=$total_fail skipped=$total_skip uptime=$UPTIME"
[ "$total_fail" = 0 ]
