#!/usr/bin/env bash
# resolver-test.sh: the self-test of resolve-kernel.sh, run by check.sh before any kernel.
#
# Made-up archives check each rule (preferred build, fallback to the newest, kbuild from a
# newer revision of the same upstream, flavours kept apart, nothing to fetch); one case asks
# the real archive (apt's lists as setup-host.sh refreshed them) for a preferred build that
# Debian no longer serves. Prints TAP and, last, "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# check NAME CONDITION-EXIT-STATUS [DETAIL]
check() { tap_check "$@"; }

# resolve CONF-LINE ARCHIVE-FILE: run the resolver on a one-line kernels.conf; output in $out,
# exit status in $rc.
resolve() {
	echo "$1" >"$tmp/kernels.conf"
	rc=0
	out=$(MACHINA_KERNELS_CONF=$tmp/kernels.conf MACHINA_ARCHIVE=$2 \
		"$QEMU_DIR/resolve-kernel.sh" "${1%% *}" 2>&1) || rc=$?
}
field() { sed -n "s/^$1=//p" <<<"$out"; }
kb=$HOST_DEB_ARCH

# An archive with three builds of 6.1 arm64 (55, 56, 57), rt and cloud flavours of 57, and
# linux-kbuild-6.1 only at 6.1.192-3 (the 6.1.192-2 revision was replaced in place).
cat >"$tmp/a1" <<A
linux-image-6.1.0-55-arm64-unsigned arm64 6.1.192-1
linux-headers-6.1.0-55-arm64 arm64 6.1.192-1 linux-headers-6.1.0-55-common linux-kbuild-6.1 gcc-12
linux-headers-6.1.0-55-common all 6.1.192-1
linux-image-6.1.0-56-arm64-unsigned arm64 6.1.192-2
linux-headers-6.1.0-56-arm64 arm64 6.1.192-2 linux-headers-6.1.0-56-common linux-kbuild-6.1 gcc-12
linux-headers-6.1.0-56-common all 6.1.192-2
linux-image-6.1.0-57-arm64-unsigned arm64 6.1.192-3
linux-headers-6.1.0-57-arm64 arm64 6.1.192-3 linux-headers-6.1.0-57-common linux-kbuild-6.1 gcc-12
linux-headers-6.1.0-57-common all 6.1.192-3
linux-image-6.1.0-58-rt-arm64-unsigned arm64 6.1.193-1
linux-headers-6.1.0-58-rt-arm64 arm64 6.1.193-1 linux-headers-6.1.0-58-common-rt linux-kbuild-6.1
linux-headers-6.1.0-58-common-rt all 6.1.193-1
linux-image-6.1.0-58-cloud-arm64-unsigned arm64 6.1.193-1
linux-headers-6.1.0-58-cloud-arm64 arm64 6.1.193-1 linux-headers-6.1.0-58-common linux-kbuild-6.1
linux-kbuild-6.1 $kb 6.1.176-1
linux-kbuild-6.1 $kb 6.1.192-3
linux-kbuild-6.1 $kb 6.1.193-1
A

resolve "k aarch64 arm64 6.1.0-*-arm64 6.1.0-57-arm64 6.1.192-3" "$tmp/a1"
check "preferred build served whole: taken, nothing said" \
	"$([ $rc = 0 ] && [ "$(field release)" = 6.1.0-57-arm64 ] && [ -z "$(field note)" ] && echo 0 || echo 1)" "$out"

resolve "k aarch64 arm64 6.1.0-*-arm64 6.1.0-56-arm64 6.1.192-2" "$tmp/a1"
check "preferred build whose kbuild revision is gone: kept, kbuild from 6.1.192-3, said" \
	"$([ $rc = 0 ] && [ "$(field release)" = 6.1.0-56-arm64 ] && [ "$(field version)" = 6.1.192-2 ] &&
		[ "$(field kbuild_version)" = 6.1.192-3 ] && grep -q 'linux-kbuild-6.1 6.1.192-2 is gone' <<<"$(field note)" &&
		echo 0 || echo 1)" "$out"

resolve "k aarch64 arm64 6.1.0-*-arm64 6.1.0-40-arm64 6.1.150-1" "$tmp/a1"
check "preferred build gone: the newest of the same flavour (not rt, not cloud), said" \
	"$([ $rc = 0 ] && [ "$(field release)" = 6.1.0-57-arm64 ] && [ "$(field version)" = 6.1.192-3 ] &&
		grep -q 'preferred 6.1.0-40-arm64 (6.1.150-1) cannot be fetched' <<<"$(field note)" &&
		grep -q 'using the newest build, 6.1.0-57-arm64' <<<"$(field note)" && echo 0 || echo 1)" "$out"

resolve "k aarch64 arm64 6.1.0-*-arm64" "$tmp/a1"
check "no preferred build: the newest" \
	"$([ $rc = 0 ] && [ "$(field release)" = 6.1.0-57-arm64 ] && echo 0 || echo 1)" "$out"

resolve "k aarch64 arm64 6.1.0-*-rt-arm64" "$tmp/a1"
check "rt flavour: its own -common-rt headers" \
	"$([ $rc = 0 ] && [ "$(field release)" = 6.1.0-58-rt-arm64 ] &&
		[ "$(field common)" = linux-headers-6.1.0-58-common-rt ] && echo 0 || echo 1)" "$out"

# The newest build's -common headers are missing, and kbuild is served only at 6.1.192-1 (an
# older revision) and 6.1.193-1 (another upstream): 57 and 56 are passed over for 55.
grep -v '^linux-headers-6.1.0-57-common ' "$tmp/a1" | grep -v "^linux-kbuild-6.1 $kb 6.1.192-3" >"$tmp/a2"
echo "linux-kbuild-6.1 $kb 6.1.192-1" >>"$tmp/a2"
resolve "k aarch64 arm64 6.1.0-*-arm64" "$tmp/a2"
check "incomplete builds passed over (missing -common; kbuild only older or of another upstream)" \
	"$([ $rc = 0 ] && [ "$(field release)" = 6.1.0-55-arm64 ] && [ "$(field kbuild_version)" = 6.1.192-1 ] &&
		echo 0 || echo 1)" "$out"
grep -v "^linux-kbuild-6.1 $kb 6.1.192-1" "$tmp/a2" >"$tmp/a3"
resolve "k aarch64 arm64 6.1.0-*-arm64" "$tmp/a3"
check "kbuild never taken from an older revision or another upstream version: nothing resolves" \
	"$([ $rc != 0 ] && ! grep -q 6.1.193-1 <<<"$(field kbuild_version)" && echo 0 || echo 1)" "$out"

resolve "k aarch64 arm64 6.2.0-*-arm64" "$tmp/a1"
check "nothing of the pattern: fails and says so" \
	"$([ $rc != 0 ] && grep -q 'no build of linux 6.2.0-\*-arm64' <<<"$out" && echo 0 || echo 1)" "$out"

# The real archive, as a new machine sees it today.
archive_table >"$tmp/real"
newest=$(sed -nE 's/^linux-image-(6\.1\.0-[0-9]+-amd64)-unsigned amd64 ([^ ]+).*/\2 \1/p' "$tmp/real" |
	sort -V | tail -n 1 | cut -d' ' -f2)
resolve "k x86_64 amd64 6.1.0-*-amd64 6.1.0-1-amd64 6.1.4-1" "$tmp/real"
check "real archive: a long-gone preferred build resolves to a served one and says so" \
	"$([ $rc = 0 ] && [ -n "$(field release)" ] && grep -q 'preferred 6.1.0-1-amd64 (6.1.4-1) cannot be fetched' <<<"$(field note)" &&
		echo 0 || echo 1)" "$out"
check "real archive: that is the newest 6.1 amd64 build ($newest)" \
	"$([ "$(field release)" = "$newest" ] && echo 0 || echo 1)" "$out"
for k in $(conf_names); do
	conf_load "$k"
	rc=0
	out=$(MACHINA_ARCHIVE=$tmp/real "$QEMU_DIR/resolve-kernel.sh" "$k" 2>&1) || rc=$?
	check "real archive: $k resolves ($(field release) $(field version))" "$rc" "$out"
done

tap_end
