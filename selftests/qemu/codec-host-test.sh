#!/usr/bin/env bash
# codec-host-test.sh: the compressor's codecs under the host's sanitizers, run by check.sh
# before any kernel (a few seconds, no VM).
#
# Builds selftests/cmp_codec_test.c with compressor/{wkdm,codec,codec_selftest}.c (the
# module's own sources, through selftests/cmp_shim.h) with AddressSanitizer and
# UndefinedBehaviorSanitizer, for 4 KiB and 16 KiB pages, and runs it: any read or write
# outside a buffer aborts a test. Then the mutants: copies of compressor/ with one bound check
# taken out each (sed on the copy; the tree is never touched) must make the harness fail,
# which shows that it catches what it is there to catch. Without a sanitizer-capable compiler
# it builds plainly and says so. Prints TAP and, last, "N passed, N failed".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
harness=$("$QEMU_DIR/harness.sh")
CC=${HOSTCC:-gcc}
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
echo 'int main(void) { return 0; }' >"$tmp/probe.c"
if ! "$CC" "${san[@]}" -o "$tmp/probe" "$tmp/probe.c" 2>/dev/null || ! "$tmp/probe"; then
	echo "# $CC cannot build with ASan/UBSan here: plain builds (overruns may go unseen)"
	san=()
fi

# build OUT SRCDIR PAGE_SIZE [CFLAGS...]: the harness against SRCDIR/compressor; output in $log.
build() {
	"$CC" -DPAGE_SIZE="$3" -O2 -g -fno-strict-aliasing ${san[@]+"${san[@]}"} -std=gnu11 -Wall -Wextra \
		-Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers -Werror "${@:4}" \
		-I"$2" -I"$harness" -I"$REPO/userlib/include" -I"$REPO" -I"$REPO/selftests" -pthread \
		-o "$1" "$REPO/selftests/cmp_codec_test.c" \
		"$2/compressor/wkdm.c" "$2/compressor/codec.c" "$2/compressor/codec_selftest.c" \
		>"$log" 2>&1
}

# The harness as it is, both page sizes: it must pass.
for ps in 4096 16384; do
	log=$tmp/build-$ps.log
	rc=0
	build "$tmp/cmp-$ps" "$REPO" "$ps" || rc=$?
	if [ "$rc" = 0 ]; then
		ASAN_OPTIONS=detect_leaks=1 "$tmp/cmp-$ps" >"$tmp/run-$ps.log" 2>&1 || rc=$?
		log=$tmp/run-$ps.log
	fi
	tap_check "codecs round-trip and fuzz clean, ${ps}-byte pages${san[*]:+ (ASan+UBSan)}" "$rc" \
		"$(grep -E '^not ok|ERROR|runtime error|Expected' "$log" | head -n 20)"
done

# mutant NAME PERL-EXPR: compressor/ with one check removed by PERL-EXPR (on the whole of
# wkdm.c); the harness must fail on it (4 KiB pages).
mutant() {
	local m=$tmp/m$TAP_N rc=0
	mkdir -p "$m"
	cp -r "$REPO/compressor" "$m/"
	perl -0pi -e "$2" "$m/compressor/wkdm.c"
	if cmp -s "$REPO/compressor/wkdm.c" "$m/compressor/wkdm.c"; then
		tap_check "mutant '$1' is caught" 1 "the mutation no longer applies to wkdm.c: update $0"
		return
	fi
	log=$m/build.log
	# A mutant may leave a variable unused: warnings are no errors there.
	build "$m/cmp" "$m" 4096 -Wno-error || { tap_check "mutant '$1' is caught" 1 "$(tail -n 5 "$log")"; return; }
	"$m/cmp" >"$m/run.log" 2>&1 || rc=$?
	how=$(grep -oE 'AddressSanitizer: [a-z-]+|runtime error|FAIL  global\.[a-z_]+' "$m/run.log" |
		sort -u | tr '\n' ' ')
	tap_check "mutant '$1' is caught (harness exit $rc: ${how% })" "$([ "$rc" != 0 ] && echo 0 || echo 1)" \
		"the harness passed with the check removed"
}
mutant "decompress: no bound on full words" 's/if \(nfull >= full_cap\)\n\t+return -EINVAL;\n//'
mutant "decompress: no bound on indices" 's/if \(nq >= q_cap\)\n\t+return -EINVAL;\n//'
mutant "decompress: no bound on low bits" 's/if \(nl >= l_cap\)\n\t+return -EINVAL;\n//'
mutant "decompress: end offset may be short" 's/le != words/le > words/'
mutant "compress: no early bound at a miss" 's/\t+if \(WKDM_FIXED_WORDS \+ nfull \+ 1[^;]*;\n//'
mutant "compress: no final bound" 's/if \(total > room\)\n\t+return -E2BIG;\n//'

tap_end
