#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A small build-like workload for the demo: a "make" that runs shells and
# compiler-like children over a few sources, plus a few signals.
set -u
bin=/tmp/demo-bin
mkdir -p $bin /tmp/demo-src
cd /tmp/demo-src

tool() {
	printf '#!/bin/sh\n%s\n' "$2" > $bin/$1
	chmod +x $bin/$1
}
tool cpp 'tr a-z A-Z < "$1" > "$1.i"'
tool cc1 'sed s/INT/long/ "$1" > "$1.s"'
tool as 'cat "$1" > "$1.o"'
tool ld 'cat "$@" > a.out'
tool cc 'cpp "$1" && cc1 "$1.i" && as "$1.i.s"'
tool make 'for s in *.c; do sh -c "cc $s"; done; ld *.o; basename "$PWD" > /dev/null'
PATH=$bin:$PATH
export PATH

for i in 1 2 3 4 5; do echo "int f$i(void) { return $i; }" > f$i.c; done
make
# a handler that catches SIGUSR1, one that dies of SIGTERM, SIGCHLDs
sh -c 'trap "echo caught USR1 > /dev/null" USR1; kill -USR1 $$; true'
sleep 5 & kill -TERM $!
wait
proc_bench threads 6
exit 0
