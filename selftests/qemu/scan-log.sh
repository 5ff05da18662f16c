#!/usr/bin/env bash
# scan-log.sh LOG [RESULT]: judge one console log of the test VM (or of check-host).
#
# Prints a table with each program's passed/failed/skipped counts, the kernel reports found,
# and the boot time; writes "passed= failed= skipped= boot=" lines to RESULT if given. Exits 1
# when anything failed. The verdict comes from three sources:
#   - the MACHINA-TEST-END line of each program (counted in the guest from a clean copy of
#     its output); a program that began but never ended (the VM died or hung) is counted
#     from the TAP lines on the console, plus one failure "did not finish";
#   - kernel reports: any kernel line (one with a "[  12.345678]" timestamp) matching
#     REPORTS, and any "unreferenced object" in the kmemleak dump; each distinct report is
#     one failed test named after it;
#   - the MACHINA-END marker: without it the VM crashed or timed out, one more failure.
set -euo pipefail

LOG=$1
RESULT=${2:-}
[ -f "$LOG" ] || { echo "scan-log.sh: no log $LOG" >&2; exit 2; }

# Kernel messages that mean the kernel found a bug (ours or one we triggered). Matched only on
# timestamped kernel lines, so that a test printing "WARNING:" cannot fail the kernel.
REPORTS='BUG:|WARNING:|Oops|KASAN|UBSAN|circular locking|possible recursive locking|sleeping function called|unreferenced object|inconsistent lock state|hung_task|blocked for more than|stack-protector|general protection|Kernel panic'

# Console lines end in \r\n; awk sees the \r as part of the line, so strip it first.
tr -d '\r' <"$LOG" | awk -v reports="$REPORTS" -v result="$RESULT" '
function tap(line) {
	# Count one TAP result line of an unfinished program (see header).
	if (line ~ /^(not )?ok [0-9]+/ && tolower(line) ~ /#[ \t]*skip/) live_skip[cur]++
	else if (line ~ /^ok [0-9]+/) live_pass[cur]++
	else if (line ~ /^not ok [0-9]+/) live_fail[cur]++
}
function field(key,   i, n, parts) {
	# Value of key=value in the current line.
	n = split($0, parts, /[ \t]+/)
	for (i = 1; i <= n; i++)
		if (index(parts[i], key "=") == 1) return substr(parts[i], length(key) + 2)
	return ""
}
function report(text) {
	sub(/^[ \t]+/, "", text)
	if (text in seen) return
	seen[text] = 1
	nrep++
	rep[nrep] = text
	if (!first_report) first_report = NR
}
{
	line = $0
	# Markers may be preceded by a kernel message that interrupted the line: search, do not
	# anchor, and parse from the marker on.
	if ((p = index(line, "MACHINA-INIT ")) > 0) {
		$0 = substr(line, p); boot = field("uptime")
	} else if ((p = index(line, "MACHINA-TEST-BEGIN ")) > 0) {
		$0 = substr(line, p); cur = $2; order[++nprog] = cur; begun[cur] = 1
		live_pass[cur] = live_fail[cur] = live_skip[cur] = 0
	} else if ((p = index(line, "MACHINA-TEST-END ")) > 0) {
		$0 = substr(line, p); name = $2; ended[name] = 1
		pass[name] = field("passed"); fail[name] = field("failed")
		skip[name] = field("skipped"); secs[name] = field("secs")
		cur = ""
	} else if ((p = index(line, "MACHINA-END ")) > 0) {
		end_seen = 1
	} else if (index(line, "MACHINA-KMEMLEAK-BEGIN") > 0) {
		in_kmemleak = 1
	} else if (index(line, "MACHINA-KMEMLEAK-END") > 0) {
		in_kmemleak = 0
	} else if (in_kmemleak && line ~ /unreferenced object/) {
		report("kmemleak: " line)
	} else if (match(line, /\[ *[0-9]+\.[0-9]+\] /)) {
		msg = substr(line, RSTART + RLENGTH)
		if (msg ~ reports) report(msg)
	} else if (cur != "") {
		tap(line)
	}
}
END {
	fmt = "  %-44s %7s %7s %7s %7s\n"
	printf fmt, "program", "passed", "failed", "skipped", "secs"
	for (i = 1; i <= nprog; i++) {
		n = order[i]
		if (n in ended) {
			P = pass[n]; F = fail[n]; S = skip[n]; t = secs[n]
		} else {
			P = live_pass[n]; F = live_fail[n] + 1; S = live_skip[n]; t = "-"
			n = n " (did not finish)"
		}
		printf fmt, substr(n, 1, 44), P, F, S, t
		tp += P; tf += F; ts += S
	}
	for (i = 1; i <= nrep; i++) {
		printf fmt, substr("kernel: " rep[i], 1, 44), 0, 1, 0, "-"
		tf++
	}
	if (!end_seen) {
		printf fmt, "no end marker (VM crashed or timed out)", 0, 1, 0, "-"
		tf++
	}
	printf fmt, "total", tp + 0, tf + 0, ts + 0, ""
	if (boot == "") boot = "-"
	if (result != "")
		printf "passed=%d\nfailed=%d\nskipped=%d\nboot=%s\nfirst_report=%d\n", tp, tf, ts, boot, first_report > result
	if (nrep > 0) {
		print "\n  kernel reports:"
		for (i = 1; i <= nrep; i++) print "    " rep[i]
	}
	exit tf > 0
}'
