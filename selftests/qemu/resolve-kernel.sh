#!/usr/bin/env bash
# resolve-kernel.sh NAME: which Debian packages make up kernel NAME of kernels.conf today.
#
# kernels.conf names a kernel by a release pattern (series and flavour, "*" for the ABI
# number) and, optionally, a preferred build. Debian's archive drops superseded builds, so a
# pin is only a preference: this picks
#   1. the preferred build, while its image and headers are still served;
#   2. otherwise the newest build of the pattern whose packages are all served.
# Within a build, the -common headers must be the very same version. linux-kbuild-* may be a
# newer Debian revision of the same upstream version (Debian's own headers depend on it with
# ">=", and the security archive replaces it in place); that is said in the note.
#
# Prints KEY=VALUE lines on stdout: name release version common common_version kbuild
# kbuild_version note (note is empty when the preferred build was taken whole). Exits 1 with
# a message when nothing of the pattern can be fetched.
#
# The archive is a table, one package version a line: "PACKAGE ARCH VERSION [DEPENDS...]"
# (ARCH is a Debian arch or all; DEPENDS are package names). MACHINA_ARCHIVE=FILE names one
# (fetch-kernels.sh makes it once per run with archive_table; the resolver's self-test feeds
# a made-up one); without it the table is made from apt's lists here.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ -z "${MACHINA_ARCHIVE:-}" ]; then
	MACHINA_ARCHIVE=$(mktemp)
	trap 'rm -f "$MACHINA_ARCHIVE"' EXIT
	archive_table >"$MACHINA_ARCHIVE"
fi
[ -r "$MACHINA_ARCHIVE" ] || die "archive table $MACHINA_ARCHIVE is not readable"

# --- the archive -----------------------------------------------------------------------------
# versions PKG ARCH: the versions of PKG the archive serves for ARCH (or for all), one a line.
versions() {
	awk -v p="$1" -v a="$2" '$1 == p && ($2 == a || $2 == "all") { print $3 }' "$MACHINA_ARCHIVE" |
		sort -u
}

# depends PKG ARCH VERSION: the names of the packages PKG=VERSION depends on, one a line.
depends() {
	awk -v p="$1" -v a="$2" -v v="$3" \
		'$1 == p && ($2 == a || $2 == "all") && $3 == v { for (i = 4; i <= NF; i++) print $i; exit }' \
		"$MACHINA_ARCHIVE"
}

# image_packages: every linux-image-* package name the archive knows.
image_packages() {
	awk '$1 ~ /^linux-image-/ { print $1 }' "$MACHINA_ARCHIVE" | sort -u
}

# --- helpers ---------------------------------------------------------------------------------
has_version() { versions "$1" "$2" | grep -qxF -- "$3"; }

# newest_first: read versions on stdin, print them newest first (Debian ordering).
newest_first() {
	local v sorted=() i j
	while read -r v; do
		[ -n "$v" ] || continue
		sorted+=("$v")
		# insertion sort: a handful of builds per pattern
		for ((i = ${#sorted[@]} - 1; i > 0; i--)); do
			j=$((i - 1))
			dpkg --compare-versions "${sorted[i]}" gt "${sorted[j]}" || break
			v=${sorted[i]} sorted[i]=${sorted[j]} sorted[j]=$v
		done
	done
	[ ${#sorted[@]} = 0 ] || printf '%s\n' "${sorted[@]}"
}

# upstream VERSION: the upstream part of a Debian version (6.1.192-3 -> 6.1.192).
upstream() { echo "${1%-*}"; }

# try_build RELEASE VERSION: can every package of that build be fetched? Sets the R_* results
# and returns 0, or sets WHY and returns 1.
try_build() {
	local rel=$1 ver=$2 dep kb="" common="" kv
	if ! has_version "linux-image-$rel-unsigned" "$K_DARCH" "$ver"; then
		WHY="linux-image-$rel-unsigned $ver is gone"
		return 1
	fi
	if ! has_version "linux-headers-$rel" "$K_DARCH" "$ver"; then
		WHY="linux-headers-$rel $ver is gone"
		return 1
	fi
	while read -r dep; do
		case $dep in
		linux-headers-*-common | linux-headers-*-common-*) common=$dep ;;
		linux-kbuild-*) kb=$dep ;;
		esac
	done < <(depends "linux-headers-$rel" "$K_DARCH" "$ver")
	if [ -z "$common" ] || [ -z "$kb" ]; then
		WHY="linux-headers-$rel $ver names no -common headers or kbuild package"
		return 1
	fi
	if ! has_version "$common" "$K_DARCH" "$ver"; then
		WHY="$common $ver is gone"
		return 1
	fi
	R_KBUILD_NOTE=""
	if has_version "$kb" "$HOST_DEB_ARCH" "$ver"; then
		kv=$ver
	else
		# The newest revision of the same upstream version, never an older one.
		kv=$(versions "$kb" "$HOST_DEB_ARCH" | newest_first |
			while read -r v; do
				[ "$(upstream "$v")" = "$(upstream "$ver")" ] &&
					dpkg --compare-versions "$v" ge "$ver" && { echo "$v"; break; }
			done)
		if [ -z "$kv" ]; then
			WHY="$kb has no revision of $(upstream "$ver") at or after $ver"
			return 1
		fi
		R_KBUILD_NOTE="$kb $ver is gone, using $kv (same upstream $(upstream "$ver"))"
	fi
	R_REL=$rel R_VER=$ver R_COMMON=$common R_KBUILD=$kb R_KBUILD_VER=$kv
	return 0
}

# --- resolution ------------------------------------------------------------------------------
[ $# = 1 ] || die "usage: resolve-kernel.sh NAME"
conf_load "$1"
note=""
chosen=0
if [ -n "$K_PREF_REL" ]; then
	if try_build "$K_PREF_REL" "$K_PREF_VER"; then
		chosen=1
	else
		note="preferred $K_PREF_REL ($K_PREF_VER) cannot be fetched ($WHY)"
	fi
fi
if [ $chosen = 0 ]; then
	# Every build of the pattern, newest first: (version, release) pairs.
	re=$(printf '%s' "$K_PATTERN" | sed -e 's/[.+]/\\&/g' -e 's/\*/[0-9]+/g')
	builds=$(image_packages | sed -nE "s/^linux-image-($re)-unsigned\$/\\1/p" |
		while read -r rel; do
			versions "linux-image-$rel-unsigned" "$K_DARCH" | sed "s/\$/ $rel/"
		done)
	tried=""
	while read -r ver; do
		[ -n "$ver" ] || continue
		# A version belongs to one release; take the first that has it.
		rel=$(awk -v v="$ver" '$1 == v { print $2; exit }' <<<"$builds")
		if try_build "$rel" "$ver"; then
			chosen=1
			note="${note:+$note; }using the newest build, $rel ($ver)"
			break
		fi
		tried="$tried; $WHY"
	done < <(cut -d' ' -f1 <<<"$builds" | sort -u | newest_first)
	[ $chosen = 1 ] || die "$K_NAME: no build of linux $K_PATTERN for $K_DARCH can be fetched today${tried:+ ($tried)}${note:+; $note}"
fi
[ -z "$R_KBUILD_NOTE" ] || note="${note:+$note; }$R_KBUILD_NOTE"
cat <<EOF
name=$K_NAME
release=$R_REL
version=$R_VER
common=$R_COMMON
common_version=$R_VER
kbuild=$R_KBUILD
kbuild_version=$R_KBUILD_VER
note=$note
EOF
