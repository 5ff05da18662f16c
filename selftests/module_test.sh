#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Module lifecycle, as TAP: rmmod is refused while a process holds Mach
# state, succeeds once every task is gone, and the module loads again; an
# rmmod retried while processes with armed timers exit or are killed
# succeeds once they are gone (the console log is scanned for oopses).
# Runs in the test VM (busybox sh) with machina loaded; needs
# /lib/machina/machina.ko and task_holder, machina-demo beside this script.
dir=$(dirname "$0")
ko=/lib/machina/machina.ko
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else not_ok "$desc"; fi; }
loaded() { grep -q '^machina ' /proc/modules; }
counter() { cat /sys/class/misc/mach/"$1" 2>/dev/null; }
wait_counter() { # name value: poll for up to 5 s
	i=0
	while [ "$(counter "$1")" != "$2" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(counter "$1")" = "$2" ]
}

echo "TAP version 13"
echo "1..11"
check "module is loaded and /dev/mach exists" sh -c 'grep -q "^machina " /proc/modules && [ -c /dev/mach ]'
base=$(counter live_tasks)

ready=/tmp/holder.ready
rm -f $ready
"$dir"/task_holder $ready &
holder=$!
i=0
while [ ! -s $ready ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "a process holds a Mach task" [ "$(counter live_tasks)" = $((base + 1)) ]

rmmod machina 2>/dev/null
check "rmmod is refused while the task lives" loaded

kill -9 $holder
wait $holder 2>/dev/null
check "the killed holder's task is destroyed" wait_counter live_tasks "$base"
check "no thread records are left" wait_counter live_threads 0

rmmod machina
check "rmmod succeeds once no task is left" sh -c '! grep -q "^machina " /proc/modules && [ ! -e /dev/mach ]'

out=$("$dir"/machina-demo --probe 2>&1)
st=$?
if [ $st -ne 0 ] && echo "$out" | grep -q 'module is not loaded'; then
	ok "libmach explains a missing module"
else
	not_ok "libmach explains a missing module"
fi
echo "# libmach said: $out"

insmod $ko
check "the module loads again" sh -c '[ -c /dev/mach ] && [ "$(cat /sys/class/misc/mach/live_tasks)" = 0 ]'

"$dir"/machina-demo --probe
check "libmach works after the reload" [ $? -eq 0 ]

rm -f $ready
"$dir"/task_holder $ready &
holder=$!
i=0
while [ ! -s $ready ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill -9 $holder
wait $holder 2>/dev/null
wait_counter live_tasks 0
rmmod machina && insmod $ko
check "unload and load again after more use" loaded

# Unload racing teardown: rmmod is retried in a tight loop while processes
# whose timers keep expiring exit (or are killed); it succeeds as soon as
# the last task's teardown has dropped its module reference.
good=0
round=0
while [ $round -lt 3 ]; do
	"$dir"/task_holder --timers 300 &
	p1=$!
	"$dir"/task_holder --timers 100 &
	p2=$!
	"$dir"/task_holder --timers 5000 &
	p3=$!
	sleep 0.2
	kill -9 $p3
	j=0
	while loaded && [ $j -lt 400 ]; do
		rmmod machina 2>/dev/null
		j=$((j + 1))
	done
	wait $p1 $p2 $p3 2>/dev/null
	if ! loaded; then
		good=$((good + 1))
		insmod $ko
	fi
	round=$((round + 1))
done
check "rmmod racing the exit of timer owners succeeds, and the module loads again" \
	sh -c "[ $good -eq 3 ] && [ -c /dev/mach ]"

echo "# $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
