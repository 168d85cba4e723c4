#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reproducer, no dtproc involved: boot the debug kernel N times (default 20)
# and count the boots in which the kernel reported a BUG/WARNING/KASAN
# before init ran, i.e. before dtproc.ko could be loaded.  One CI run of
# make check saw "BUG: KASAN: wild-memory-access in do_raw_spin_lock" 2.8 s
# into such a boot, while other guests loaded the host; tools/vm/run boots
# again when that happens (DTPROC_VM_BOOT_TRIES).  Run it from the top of
# the tree, with load beside it to mimic make check:
#   tools/repro/debug-boot.sh 20
set -u
n=${1:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
bad=0
for i in $(seq 1 "$n"); do
	if ! err=$(DTPROC_VM_BOOT_TRIES=1 "$top/tools/vm/run" -k debug -t 600 -- true 2>&1 >/dev/null); then
		case "$err" in
		*"while booting, before init ran"*)
			bad=$((bad + 1))
			cp "$top"/build/vm/console-*-dtproc-debug.log \
				"$top/build/vm/debug-boot-$i.log" 2>/dev/null
			echo "boot $i: $err" ;;
		*) echo "boot $i failed otherwise: $err" ;;
		esac
	fi
done
echo "$bad of $n boots reported before init"
