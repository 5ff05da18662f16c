# Machina: developer entry points. Kbuild (next to this file) describes the module itself;
# this Makefile only drives it, the user library and the test bench. See docs/testing.md.
#
#   make [module] [KDIR=...]          machina.ko for the running kernel, in build/module/
#   sudo make install [KVER=...]      install it under /lib/modules/<ver>/extra, run depmod
#   make userlib [ARCH=arm64|x86_64]  libmach + headers in build/userlib/<arch>/
#   make check [KERNELS="..."]        the QEMU test bench (what CI runs)
#   make demo                         boot 6.1-arm64 and run the demo program
#   make bench [KERNELS="..."] [BENCH_ARGS="..."]  benchmarks, one icount boot per arm64 kernel
#   make vm-run PROG=path [ARGS="..."] [KERNEL=name]   run one static program in a VM
#   make check-host                   selftests against the running kernel (root, real host)
#   make dkms-check                   DKMS add/build/remove against the installed headers
#   make clean

SHELL := /bin/bash
QEMU := selftests/qemu
BUILD := $(CURDIR)/build
KDIR ?= /lib/modules/$(shell uname -r)/build
KERNEL ?= 6.1-arm64

KVER ?= $(shell uname -r)

.PHONY: all install module userlib check demo vm-run check-host dkms-check clean bench

all: module

# Built in a copy (build/module/) like every other build of the module, so the source tree
# stays free of objects. ARCH/CROSS_COMPILE given on the command line reach Kbuild as usual.
module:
	@test -e $(KDIR)/Makefile || { echo "no kernel headers at $(KDIR); install them or pass KDIR=<dir>"; exit 1; }
	$(QEMU)/copy-src.sh $(CURDIR) $(BUILD)/module
	$(MAKE) -C $(KDIR) M=$(BUILD)/module modules
	@echo "built $(BUILD)/module/machina.ko"

# Install the module built above for the running kernel (or KVER=...), as DKMS would.
install:
	@test -e $(BUILD)/module/machina.ko || { echo "run 'make module' first"; exit 1; }
	install -D -m 0644 $(BUILD)/module/machina.ko $(DESTDIR)/lib/modules/$(KVER)/extra/machina.ko
	depmod -a $(KVER)

# The library a user's program links with: both arches unless ARCH= picks one.
USERLIB_ARCHES := $(if $(filter arm64 x86_64,$(ARCH)),$(ARCH),arm64 x86_64)
userlib:
	@for a in $(USERLIB_ARCHES); do \
		$(MAKE) -C userlib ARCH=$$a OUT=$(BUILD)/userlib/$$a || exit; \
		echo "built $(BUILD)/userlib/$$a/{libmach.a,libmach.so,include/}"; \
	done

check:
	KERNELS="$(KERNELS)" $(QEMU)/check.sh

demo:
	$(QEMU)/run-kernel.sh 6.1-arm64 --prog /tests/machina-demo

# Not part of `make check`: benchmarks report numbers and ratios, they do not pass or fail.
# See docs/benchmarks.md.
bench:
	KERNELS="$(or $(KERNELS),6.1-arm64 6.12-arm64-16k)" selftests/bench/run.sh $(if $(BENCH_ARGS),-- $(BENCH_ARGS))

vm-run:
	@test -n "$(PROG)" || { echo "usage: make vm-run PROG=<static binary> [ARGS='...'] [KERNEL=$(KERNEL)]"; exit 2; }
	$(QEMU)/run-kernel.sh $(KERNEL) --prog $(abspath $(PROG)) $(ARGS)

check-host: module
	$(QEMU)/check-host.sh $(BUILD)/module/machina.ko

dkms-check:
	$(QEMU)/dkms-check.sh

clean:
	rm -rf $(BUILD)
