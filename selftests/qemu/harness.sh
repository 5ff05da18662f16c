#!/usr/bin/env bash
# harness.sh: print a directory holding kselftest_harness.h and kselftest.h (HARNESS_DIR for
# `make -C selftests`).
#
# No Debian package ships these two headers; linux-source-6.1 has them inside its tarball.
# Reading them out takes ~11 s (the whole xz stream is decompressed), so do it once into the
# cache. They are GPL kernel files: never commit them to the repository.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TARBALL=${MACHINA_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
dir=$CACHE/harness
if [ -f "$dir/kselftest_harness.h" ] && [ -f "$dir/kselftest.h" ]; then
	echo "$dir"
	exit 0
fi
[ -f "$TARBALL" ] || die "$TARBALL missing: install linux-source-6.1 (setup-host.sh does)"

mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/.harness.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
msg "extracting the kselftest harness from $TARBALL"
tar -xJf "$TARBALL" -C "$tmp" --wildcards \
	'*/tools/testing/selftests/kselftest_harness.h' '*/tools/testing/selftests/kselftest.h'
mkdir -p "$dir"
# Flatten: the tarball's top directory name (linux-source-6.1/) does not matter to users.
find "$tmp" -name 'kselftest*.h' -exec cp {} "$dir/" \;
[ -f "$dir/kselftest_harness.h" ] || die "kselftest_harness.h not found in $TARBALL"
echo "$dir"
