#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Reproducer, no dtproc involved: place and remove a tracefs kprobe on
# exit_signals 400 times while processes exit.  Under QEMU TCG with a
# thread per vCPU (DTPROC_VM_TCG=multi) a stock Debian 6.12 guest oopses
# with "Oops: int3" within a few hundred rounds; with one TCG thread (the
# default of tools/vm/run) it does not.  Run it as
#   DTPROC_VM_TCG=multi tools/vm/run -k 6.12 -a tools/repro/kprobe-churn.sh -- sh kprobe-churn.sh
rmmod dtproc
T=/sys/kernel/tracing
( while :; do /bin/true; done ) &
l1=$!
( while :; do sh -c 'exit 0'; done ) &
l2=$!
i=0
while [ $i -lt 400 ]; do
	echo 'p:churn/e exit_signals' > $T/kprobe_events || echo "add failed"
	echo 1 > $T/events/churn/e/enable
	echo 0 > $T/events/churn/e/enable
	echo '-:churn/e' >> $T/kprobe_events
	i=$((i + 1))
done
kill $l1 $l2
echo "churned $i times"
insmod "$DTPROC_KO"
