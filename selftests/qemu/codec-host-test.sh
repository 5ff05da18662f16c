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

# build DIR SRCDIR PAGE_SIZE [CFLAGS...]: the harness against SRCDIR/compressor as DIR/cmp,
# its log in DIR/build.log, its status in DIR/build.rc.
build() {
	local rc=0
	"$CC" -DPAGE_SIZE="$3" -O2 -g -fno-strict-aliasing ${san[@]+"${san[@]}"} -std=gnu11 -Wall \
		-Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers -Werror \
		"${@:4}" -I"$2" -I"$harness" -I"$REPO/userlib/include" -I"$REPO" -I"$REPO/selftests" \
		-pthread -o "$1/cmp" "$REPO/selftests/cmp_codec_test.c" \
		"$2/compressor/wkdm.c" "$2/compressor/codec.c" "$2/compressor/codec_selftest.c" \
		>"$1/build.log" 2>&1 || rc=$?
	echo "$rc" >"$1/build.rc"
}

# spawn CMD...: run CMD in the background, at most as many at a time as there are CPUs (the
# compiles are most of this script's time).
spawn() {
	while [ "$(jobs -rp | wc -l)" -ge "$(nproc)" ]; do wait -n || true; done
	"$@" &
}

# The mutants: NAME and a perl expression taking one check out of wkdm.c (on a copy).
names=(
	"decompress: no bound on full words"
	"decompress: no bound on indices"
	"decompress: no bound on low bits"
	"decompress: end offset may be short"
	"compress: no early bound at a miss"
	"compress: no final bound"
)
exprs=(
	's/if \(nfull >= full_cap\)\n\t+return -EINVAL;\n//'
	's/if \(nq >= q_cap\)\n\t+return -EINVAL;\n//'
	's/if \(nl >= l_cap\)\n\t+return -EINVAL;\n//'
	's/le != words/le > words/'
	's/\t+if \(WKDM_FIXED_WORDS \+ nfull \+ 1[^;]*;\n//'
	's/if \(total > room\)\n\t+return -E2BIG;\n//'
)

# An overrun is seen only by the sanitizers: a plain build does not try the mutants (a plain
# run of a mutant may well pass, and that would say nothing).
if [ ${#san[@]} = 0 ]; then
	echo "# no sanitizers: the ${#names[@]} mutants are not run"
	names=()
fi

# Everything is built first, side by side: the harness as it is for both page sizes, and
# each mutant (4 KiB pages; a mutant may leave a variable unused: no -Werror there).
for ps in 4096 16384; do
	mkdir -p "$tmp/clean-$ps"
	spawn build "$tmp/clean-$ps" "$REPO" "$ps"
done
for i in "${!names[@]}"; do
	m=$tmp/m$i
	mkdir -p "$m"
	cp -r "$REPO/compressor" "$m/"
	perl -0pi -e "${exprs[$i]}" "$m/compressor/wkdm.c"
	if cmp -s "$REPO/compressor/wkdm.c" "$m/compressor/wkdm.c"; then
		echo stale >"$m/build.rc"
		continue
	fi
	spawn build "$m" "$m" 4096 -Wno-error
done
wait

# The harness as it is must pass.
for ps in 4096 16384; do
	d=$tmp/clean-$ps
	log=$d/build.log
	rc=$(cat "$d/build.rc")
	if [ "$rc" = 0 ]; then
		ASAN_OPTIONS=detect_leaks=1 "$d/cmp" >"$d/run.log" 2>&1 || rc=$?
		log=$d/run.log
	fi
	tap_check "codecs round-trip and fuzz clean, ${ps}-byte pages${san[*]:+ (ASan+UBSan)}" "$rc" \
		"$(grep -E '^not ok|ERROR|error:|runtime error|Expected' "$log" | head -n 20)"
done

# Each mutant must make it fail.
for i in "${!names[@]}"; do
	m=$tmp/m$i rc=0
	case $(cat "$m/build.rc") in
	stale)
		tap_check "mutant '${names[$i]}' is caught" 1 \
			"the mutation no longer applies to wkdm.c: update $0"
		continue ;;
	0) ;;
	*)
		tap_check "mutant '${names[$i]}' is caught" 1 "$(tail -n 5 "$m/build.log")"
		continue ;;
	esac
	"$m/cmp" >"$m/run.log" 2>&1 || rc=$?
	how=$(grep -oE 'AddressSanitizer: [a-z-]+|runtime error|FAIL  global\.[a-z_]+' "$m/run.log" |
		sort -u | tr '\n' ' ' || true)
	tap_check "mutant '${names[$i]}' is caught (harness exit $rc: ${how% })" \
		"$([ "$rc" != 0 ] && echo 0 || echo 1)" "the harness passed with the check removed"
done

tap_end
