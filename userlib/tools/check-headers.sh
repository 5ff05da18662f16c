#!/bin/bash
# Compile every header of userlib/include on its own (#include <X> and
# nothing else), as C and as C++, for both architectures, with warnings as
# errors.  A Darwin program includes any of them first, in any language, so
# each must stand alone.
#
#   userlib/tools/check-headers.sh        exit 0 when all pass
#
# Compilers: gcc/g++ for x86_64; aarch64-linux-gnu-gcc for arm64, and for
# arm64 C++ aarch64-linux-gnu-g++, or clang++ --target=aarch64-linux-gnu
# when no cross g++ is installed.  A compiler that is missing is reported
# and skipped, never silently passed.
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
inc=$here/include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags=(-Wall -Wextra -Werror -I"$inc" -fsyntax-only)
cflags=(-std=gnu11)
cxxflags=(-std=gnu++17)

compilers=()
have() { command -v "$1" >/dev/null 2>&1; }
add() { compilers+=("$1|$2|$3"); }	# label | lang | command

have gcc && add "x86_64 C" c "gcc"
have g++ && add "x86_64 C++" c++ "g++"
have aarch64-linux-gnu-gcc && add "arm64 C" c "aarch64-linux-gnu-gcc"
if have aarch64-linux-gnu-g++; then
	add "arm64 C++" c++ "aarch64-linux-gnu-g++"
elif have clang++ && have aarch64-linux-gnu-gcc; then
	add "arm64 C++" c++ "clang++ --target=aarch64-linux-gnu"
fi

missing=0
for need in "x86_64 C" "x86_64 C++" "arm64 C" "arm64 C++"; do
	found=0
	for c in "${compilers[@]}"; do
		[ "${c%%|*}" = "$need" ] && found=1
	done
	if [ $found = 0 ]; then
		echo "SKIP $need: no compiler installed"
		missing=1
	fi
done

headers=$(cd "$inc" && find . -name '*.h' | sed 's|^\./||' | sort)
fail=0
total=0
for c in "${compilers[@]}"; do
	label=${c%%|*}
	rest=${c#*|}
	lang=${rest%%|*}
	cmd=${rest#*|}
	if [ "$lang" = c ]; then
		src=$tmp/t.c
		extra=("${cflags[@]}")
	else
		src=$tmp/t.cc
		extra=("${cxxflags[@]}")
	fi
	for h in $headers; do
		total=$((total + 1))
		printf '#include <%s>\n' "$h" >"$src"
		# shellcheck disable=SC2086
		if ! out=$($cmd -x "$lang" "${flags[@]}" "${extra[@]}" "$src" 2>&1); then
			echo "FAIL $label <$h>"
			echo "$out" | head -20
			fail=$((fail + 1))
		fi
	done
done

echo "headers: $((total - fail)) passed, $fail failed"
[ $fail = 0 ] && [ $missing = 0 ]
