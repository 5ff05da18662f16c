#!/usr/bin/env bash
cd /work/int3
export MACHINA_X86_APPEND="tsc=unstable "
s=$(date +%s.%N)
/usr/bin/time -f "cpu user %U sys %S" -o /work/int3/time.tsc.$1 selftests/qemu/run-kernel.sh ${2:-6.12-amd64} > /work/int3/out.tsc.$1 2>&1
echo "rc=$? wall=$(echo "$(date +%s.%N) - $s" | bc)" >> /work/int3/time.tsc.$1
