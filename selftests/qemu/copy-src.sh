#!/usr/bin/env bash
# copy-src.sh SRC DEST: copy the module's sources (the tree minus everything that is not the
# module) into DEST, for an out-of-tree build that cannot mix objects with any other build.
#
# Used for the per-kernel builds, `make module` and the DKMS source tree. Only files whose
# content differs are copied, and they get the time of the copy, not SRC's: make rebuilds
# exactly what changed, also when SRC is another tree whose files are older than the objects
# (MACHINA_SRC, a checkout of an older commit: keeping SRC's mtimes left stale objects). The
# excluded build products are neither copied from SRC (a developer's in-tree build) nor
# deleted from DEST (the copy's own objects).
set -euo pipefail
[ $# = 2 ] && [ -d "$1" ] || { echo "usage: copy-src.sh SRC DEST" >&2; exit 2; }
mkdir -p "$2"
rsync -rlp --checksum --delete \
	--exclude=/build/ --exclude=/userlib/ --exclude=/selftests/ --exclude=/.git/ \
	--exclude=/docs/ --exclude=/.ci/ \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude=modules.order --exclude=Module.symvers \
	"$1/" "$2/"
