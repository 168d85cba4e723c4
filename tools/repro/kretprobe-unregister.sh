#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Standalone reproducer, tracefs only (no dtproc): place and remove a
# kretprobe on __x64_sys_execve over and over while other processes exec in
# a tight loop.  dtproc keeps its kretprobes on the execve and
# rt_sigtimedwait entry points placed until it unloads ("sticky", see
# kernel/hooks.c) because dtproc's own removal of such probes crashed the
# Debian 6.1 and 6.12 guests; this script is the check that the crash is
# the kernel's and not dtproc's.  Run it as root in a stock guest:
#
#   tools/vm/run -k 6.12 -a tools/repro/kretprobe-unregister.sh -t 900 -- \
#       sh kretprobe-unregister.sh [ROUNDS]
#
# It prints "survived N rounds" when the kernel did not crash.
#
# Measured (TCG guests, 300 rounds): 6.12.117+deb12-amd64 "Oops: int3" in
# __schedule after ~50 s, 6.12.117+deb12-rt-amd64 "Oops: int3" in
# ttwu_do_activate; 6.1.0-56-amd64 survived.  The int3 is a text-poke
# breakpoint at a patched site, so QEMU TCG's handling of cross-modifying
# code is as much a suspect as the kernel; not tried on hardware.
set -e
T=/sys/kernel/tracing
[ -e $T/kprobe_events ] || mount -t tracefs nodev $T
rounds=${1:-300}
busy() { while :; do /bin/true; done; }
busy & b1=$!
busy & b2=$!
i=0
while [ $i -lt "$rounds" ]; do
	echo 'r:dtrepro/execret __x64_sys_execve' >> $T/kprobe_events
	echo 1 > $T/events/dtrepro/execret/enable
	echo 0 > $T/events/dtrepro/execret/enable
	echo '-:dtrepro/execret' >> $T/kprobe_events
	i=$((i + 1))
done
kill $b1 $b2
echo "survived $i rounds"
