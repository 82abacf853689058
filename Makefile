# SPDX-License-Identifier: GPL-2.0
#
#   make                 build tcpsplice.ko against KDIR (default: the cached debug test kernel)
#   make KDIR=/lib/modules/$(uname -r)/build   any Rust-enabled kernel tree
#   make check           every test (host, module build, KUnit and VM scenarios)
#   make lab             the demo lab in a VM
#   make bench           benchmarks on the release kernel (scripts/bench)
#   make clean

CACHE ?= $(or $(TCPSPLICE_CACHE),/var/cache/tcpsplice)
KDIR ?= $(shell scripts/build-kernel --print debug 2>/dev/null)
LLVM ?= -19
RUSTC ?= /usr/bin/rustc
BINDGEN ?= $(CACHE)/tools/bin/bindgen
# Treat warnings as errors: W=e is not a kbuild thing, so pass the flags.
WERROR ?= 1
ifeq ($(WERROR),1)
KFLAGS := KCFLAGS=-Werror KRUSTFLAGS=-Dwarnings
endif
KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) RUSTC=$(RUSTC) BINDGEN=$(BINDGEN) $(KFLAGS)

.PHONY: all modules clippy clean check lab tools bench
all: modules

modules:
	@test -n "$(KDIR)" || { echo "no KDIR: run scripts/setup && scripts/build-kernel debug, or pass KDIR="; exit 1; }
	$(KMAKE) modules

# kbuild runs clippy-driver instead of rustc with CLIPPY=1.
clippy:
	$(KMAKE) CLIPPY=1 CLIPPY_DRIVER=/usr/bin/clippy-driver modules

tools:
	cd tools && cargo build --release

clean:
	@if [ -n "$(KDIR)" ]; then $(KMAKE) clean; fi
	rm -f tcpsplice_bindings_generated.rs .tcpsplice_bindings_generated.rs.cmd

check:
	scripts/check

lab:
	scripts/lab

bench:
	scripts/bench
