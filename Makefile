# SPDX-License-Identifier: GPL-2.0
#
# dtproc: user-facing Makefile.  The kernel module itself is described by
# Kbuild; this file wraps kbuild and builds the library, the CLI and the
# selftests.
#
#   make                 module for every installed 6.1+ kernel,
#                        libdtproc, dtproc CLI, selftests
#   make KVER=<release>  the same, the module for one kernel only
#   make check           everything, every test, in 6.1 and 6.12 guests
#   make demo            boot a 6.12 guest and show dtproc on a workload
#   make bench           benchmarks in a guest, printed as ratios
#   make style           checkpatch --strict and sparse on kernel/
#   make install         module (running kernel), headers, library, CLI,
#                        manual pages
#
# Module builds go to build/<kernel release>/, userland to build/.

VERSION     := $(shell cat VERSION)
ABI_MAJOR   := 1
PREFIX      ?= /usr/local
DESTDIR     ?=
B           := build

CC          ?= cc
CFLAGS      ?= -O2 -g
WARNINGS    := -Wall -Wextra -Werror -Wno-unused-parameter
PKGS        := libnl-3.0 libnl-genl-3.0 libelf
USER_CFLAGS  = $(CFLAGS) $(WARNINGS) -std=gnu11 -D_GNU_SOURCE \
	       -Iuapi -Ilib $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
USER_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Kernel releases to build the module for: KVER, or every installed kernel
# of series 6.1 and later that has its headers.
ifeq ($(KVER),)
KVERS := $(shell tools/build/kernels)
else
KVERS := $(KVER)
endif

KSRC  := Kbuild VERSION $(wildcard kernel/*.c kernel/*.h uapi/linux/*.h)
LIBSO := $(B)/lib/libdtproc.so.$(ABI_MAJOR)
LIBA  := $(B)/lib/libdtproc.a
CLI   := $(B)/tools/dtproc
# *_test: the suite every guest runs; fuzz_* and stress_*: the debug guest's.
TESTS := $(patsubst selftests/%.c,$(B)/selftests/%,$(wildcard selftests/*_test.c \
	 selftests/fuzz_*.c selftests/stress_*.c))
# the programs selftests run as victims (cli_bp_test)
VICTIMS := $(B)/selftests/bp_victim $(B)/selftests/libbpdl.so
BENCH := $(patsubst tools/bench/%.c,$(B)/bench/%,$(wildcard tools/bench/*.c))

.PHONY: all deps modules user check demo bench style install install-module \
	install-user clean FORCE

# Only deps, check, demo, bench and style install packages (tools/build/deps);
# building and installing never touch the package manager.
all: modules user

deps:
	@tools/build/deps

modules: $(foreach k,$(KVERS),$(B)/$(k)/dtproc.ko)

# kbuild writes its objects next to the sources, so each kernel gets a
# tree of symlinks to the sources and builds inside it.
$(B)/%/dtproc.ko: $(KSRC)
	@mkdir -p $(B)/$*
	@cp -rsf $(CURDIR)/Kbuild $(CURDIR)/VERSION $(CURDIR)/kernel $(CURDIR)/uapi $(B)/$*/
	$(MAKE) -C "$$(tools/build/kdir $*)" M=$(CURDIR)/$(B)/$* DTPROC_WERROR=y \
		DTPROC_FAULT_INJECTION=$(if $(filter %-dtproc-debug,$*),y) modules

user: $(LIBSO) $(LIBA) $(B)/lib/libdtproc.pc $(CLI) $(TESTS) $(VICTIMS) $(BENCH)

LIB_OBJS := $(patsubst lib/%.c,$(B)/lib/%.o,$(wildcard lib/*.c))
LIB_HDRS := $(wildcard lib/*.h) uapi/linux/dtproc.h

$(B)/lib/%.o: lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -fPIC -fvisibility=hidden \
		-DDTPROC_LIB_VERSION='"$(VERSION)"' -c -o $@ $<

$(LIBSO): $(LIB_OBJS) lib/libdtproc.map
	$(CC) -shared -Wl,-soname,libdtproc.so.$(ABI_MAJOR) \
		-Wl,--version-script=lib/libdtproc.map -o $@ $(LIB_OBJS) $(USER_LIBS)
	ln -sf libdtproc.so.$(ABI_MAJOR) $(B)/lib/libdtproc.so

$(LIBA): $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(B)/lib/libdtproc.pc: lib/libdtproc.pc.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

TOOL_SRCS := $(wildcard tools/dtproc/*.c)
$(CLI): $(TOOL_SRCS) $(wildcard tools/dtproc/*.h) $(LIBSO)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -DDTPROC_CLI_VERSION='"$(VERSION)"' -o $@ \
		$(TOOL_SRCS) -L$(B)/lib -ldtproc -Wl,-rpath,'$$ORIGIN/../lib' \
		$(USER_LIBS) -lm

$(B)/selftests/%: selftests/%.c $(wildcard selftests/*.h) $(LIBSO)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Iselftests -o $@ $< -L$(B)/lib -ldtproc \
		-Wl,-rpath,'$$ORIGIN/../lib' $(USER_LIBS) -lpthread

# lib_compat_test: built against the LIBDTPROC_1.2 header and linked
# against a stand-in with that day's version nodes, as a program built then
# was; it runs against today's library.
$(B)/selftests/abi/libdtproc.so.$(ABI_MAJOR): selftests/abi/libdtproc-1.2-stub.c \
		selftests/abi/libdtproc-1.2.map
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -Wl,-soname,libdtproc.so.$(ABI_MAJOR) \
		-Wl,--version-script=selftests/abi/libdtproc-1.2.map -o $@ $<

$(B)/selftests/lib_compat_test: selftests/lib_compat_test.c selftests/harness.h \
		selftests/abi/dtproc-1.2.h $(B)/selftests/abi/libdtproc.so.$(ABI_MAJOR) $(LIBSO)
	$(CC) $(USER_CFLAGS) -Iselftests -o $@ $< -L$(B)/selftests/abi -l:libdtproc.so.$(ABI_MAJOR) \
		-Wl,-rpath,'$$ORIGIN/../lib'

$(B)/selftests/bp_victim: selftests/victims/bp_victim.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -ldl -lpthread

$(B)/selftests/libbpdl.so: selftests/victims/bpdl.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -shared -fPIC -o $@ $<

$(B)/bench/%: tools/bench/%.c $(LIBSO)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -L$(B)/lib -ldtproc \
		-Wl,-rpath,'$$ORIGIN/../lib' $(USER_LIBS) -lpthread

check: deps
	@tools/test/check

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo/run

bench: deps
	@$(MAKE) --no-print-directory all
	@tools/bench/run

style: deps
	@tools/test/style

# install: the module for KVER (default: the running kernel) and the
# userland; DESTDIR stages both (the module under DESTDIR/lib/modules).
IKVER ?= $(if $(KVER),$(firstword $(KVER)),$(shell uname -r))
install: install-module install-user

install-module: $(B)/$(IKVER)/dtproc.ko
	$(MAKE) -C "$$(tools/build/kdir $(IKVER))" M=$(CURDIR)/$(B)/$(IKVER) \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) -a $(IKVER)

# "man dtproc_open" and the like: one .so page per function of libdtproc(3)
MAN3_LINKS = $(shell sed -n 's/^\.Nm \(dtproc_[a-z_0-9]*\).*/\1/p' man/libdtproc.3)

install-user: user
	install -D -m 0644 uapi/linux/dtproc.h $(DESTDIR)$(PREFIX)/include/linux/dtproc.h
	install -D -m 0644 lib/dtproc.h $(DESTDIR)$(PREFIX)/include/dtproc.h
	install -D -m 0755 $(LIBSO) $(DESTDIR)$(PREFIX)/lib/libdtproc.so.$(ABI_MAJOR)
	ln -sf libdtproc.so.$(ABI_MAJOR) $(DESTDIR)$(PREFIX)/lib/libdtproc.so
	install -D -m 0644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/libdtproc.a
	install -D -m 0644 $(B)/lib/libdtproc.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/libdtproc.pc
	install -D -m 0755 $(CLI) $(DESTDIR)$(PREFIX)/bin/dtproc
	install -D -m 0644 man/dtproc.8 $(DESTDIR)$(PREFIX)/share/man/man8/dtproc.8
	install -D -m 0644 man/libdtproc.3 $(DESTDIR)$(PREFIX)/share/man/man3/libdtproc.3
	for f in $(MAN3_LINKS); do \
		echo '.so man3/libdtproc.3' > $(DESTDIR)$(PREFIX)/share/man/man3/$$f.3 || exit 1; \
	done
	$(if $(DESTDIR),,-ldconfig)

clean:
	rm -rf $(B)
