#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The benchmarks, side by side in one guest (run by tools/bench/run).
N=${N:-150}
ROUNDS=${ROUNDS:-3}
STORM=${STORM:-10000}

loop() { proc_bench loop "$N" | awk '/^loop_ns/ {print $2}'; }

# start a background listener and wait until it is ready
bg_start() {
	"$@" > /tmp/bg.out 2>&1 &
	BG=$!
	i=0
	until grep -q ready /tmp/bg.out; do
		i=$((i + 1)); [ $i -gt 300 ] && { echo "bench: $* never got ready"; cat /tmp/bg.out; exit 1; }
		sleep 0.1
	done
}
bg_stop() { kill -TERM "$BG"; wait "$BG"; }

: > /tmp/rounds
r=1
while [ $r -le "$ROUNDS" ]; do
	rmmod dtproc || exit 1
	loop > /dev/null	# warm up: the first loop after a module change runs slow
	base=$(loop)
	bg_start proc_bench cnproc; cn=$(loop); bg_stop
	insmod "$DTPROC_KO" || exit 1
	idle=$(loop)
	bg_start proc_bench drain; sub=$(loop); bg_stop
	grep drain_ /tmp/bg.out | tr '\n' ' '
	echo "round $r: base $base cn_proc $cn idle $idle subscribed $sub (ns for $N fork+exec+exit)"
	echo "$base $cn $idle $sub" >> /tmp/rounds
	r=$((r + 1))
done

echo
echo "== P5: $STORM-fork storm, default buffers"
proc_bench storm "$STORM" > /tmp/storm1; rc1=$?; cat /tmp/storm1
echo "== P5: $STORM-fork storm, slow subscriber (4 KiB socket buffer read every 100 ms)"
proc_bench storm "$STORM" slow > /tmp/storm2; rc2=$?; cat /tmp/storm2

echo "== process control"
control_bench create 40 > /tmp/ctl; rc3=$?
control_bench roundtrip 200 >> /tmp/ctl || rc3=1
control_bench scale "${RDONLY:-10000}" "${CONTROL:-1000}" >> /tmp/ctl || rc3=1
cat /tmp/ctl

echo
awk -v n="$N" -v rounds="$ROUNDS" '
function median(a, k,   i, j, t) {
	for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
		if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
}
{ k++; b[k] = $1; c[k] = $2; i[k] = $3; s[k] = $4 }
END {
	mb = median(b, k); mc = median(c, k); mi = median(i, k); ms = median(s, k)
	printf "%-62s %8s %6s\n", "benchmark (median of " rounds " rounds, " n " fork+exec+exit)", "ratio", "goal"
	printf "%-62s %8.3f %6s\n", "P1 dtproc, all 14 probes, subscriber draining / no module", ms / mb, "<=1.03"
	printf "%-62s %8.3f %6s\n", "P1 cn_proc listener / no module", mc / mb, "-"
	printf "%-62s %8.3f %6s\n", "P1 dtproc subscribed / cn_proc listener", ms / mc, "-"
	printf "%-62s %8.3f %6s\n", "P2 dtproc loaded, no subscriber / no module", mi / mb, "1.00"
}' /tmp/rounds
awk '/storm_forks/ {f=$2} /storm_creates/ {c=$2} /storm_dropped/ {d=$2}
     END { printf "%-62s %8s %6s\n", "P5 creates delivered, default buffers", c "/" f, "all" }' /tmp/storm1
awk '/storm_received/ {r=$2} /storm_dropped/ {d=$2} /storm_last_seq/ {l=$2} /storm_unexplained/ {g=$2}
     END { printf "%-62s %8s %6s\n", "P5 slow: received + dropped == last seq (" r "+" d "=" l ")", (r + d == l && g == 0) ? "exact" : "WRONG", "exact" }' /tmp/storm2
awk '{ v[$1] = $2 }
     END {
	printf "%-62s %8.3f %6s\n", "P4 create+continue+exit: dtproc / ptrace (TRACEME, exec, CONT)", v["create_dtproc_ns"] / v["create_ptrace_ns"], "<=1.0"
	printf "%-62s %8.3f %6s\n", "P4 stop->continue round trip: dtproc / PTRACE_INTERRUPT+CONT", v["roundtrip_dtproc_ns"] / v["roundtrip_ptrace_ns"], "<=0.5"
	printf "%-62s %8s %6s\n", "P4 kernel memory per victim (" v["victims"] " victims)", v["kernel_bytes_per_victim"] " B", "<=1KiB"
	printf "%-62s %8s %6s\n", "P4 lookup of a held pid (handle table)", v["lookup_ns_per_victim"] " ns", "flat"
     }' /tmp/ctl
grep '^grab_ns_per_victim_at' /tmp/ctl | sed 's/^/   /'
[ $rc1 = 0 ] && [ $rc2 = 0 ] && [ $rc3 = 0 ]
