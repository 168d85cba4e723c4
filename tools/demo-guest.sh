#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The demo, as run inside the guest by tools/demo.
set -e
say() { printf '\n=== %s\n' "$*"; }

say "kernel"
uname -r
say "the module"
grep '^dtproc ' /proc/modules
dmesg | grep 'dtproc:' | tail -n 3
say "the control device"
ls -l /dev/dtproc
say "versions: library, ioctl ABI, netlink family"
dtproc version
