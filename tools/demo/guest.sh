#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, as run inside the guest by tools/demo/run.
set -e
say() { printf '\n=== %s\n' "$*"; }

say "kernel $(uname -r), module loaded:"
grep '^dtproc ' /proc/modules
ls -l /dev/dtproc
dtproc version

say "dtproc trace -c CMD: every probe of a small command"
dtproc trace -c 'sh -c "ls /nonexistent; /bin/true; kill -USR1 \$\$"' || true

say "dtproc trace -j -n exec-success,exit: the same as JSON lines"
dtproc trace -j -n exec-success,exit -c 'sh -c "/bin/true"'

say "dtproc report whoexec -c workload   (whoexec.d)"
dtproc report whoexec -c 'sh workload.sh'

say "dtproc report progtime -c workload  (progtime.d)"
dtproc report progtime -c 'sh workload.sh'

say "dtproc report lwptime -c workload   (lwptime.d)"
dtproc report lwptime -c 'sh workload.sh'

say "dtproc report sig -c workload       (sig.d)"
dtproc report sig -c 'sh workload.sh'

say "process control: dtproc stop -p PID (pstop), then kill -CONT (prun)"
sh -c 'while :; do :; done' &
victim=$!
sleep 0.5
dtproc stop -p $victim
grep State /proc/$victim/status
kill -CONT $victim
sleep 0.2
grep State /proc/$victim/status
kill $victim
