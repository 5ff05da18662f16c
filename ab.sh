#!/usr/bin/env bash
# ab.sh MODE: one whole 6.12-amd64 suite, MODE=multi|single; prints wall and qemu CPU.
cd /work/int3
mode=$1
if [ "$mode" = single ]; then export MACHINA_X86_TCG_THREAD=single; fi
s=$(date +%s.%N)
/usr/bin/time -f "cpu user %U sys %S" -o /work/int3/time.$mode.$2 selftests/qemu/run-kernel.sh 6.12-amd64 > /work/int3/out.$mode.$2 2>&1
echo "rc=$? wall=$(echo "$(date +%s.%N) - $s" | bc)" >> /work/int3/time.$mode.$2
