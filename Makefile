# SPDX-License-Identifier: GPL-2.0
#
#   make                 build tcpsplice.ko against KDIR (default: the cached debug test kernel)
#   make KDIR=/lib/modules/$(uname -r)/build   any Rust-enabled kernel tree
#   make check           every test (host, module build, KUnit and VM scenarios)
#   make check-quick     the inner loop: host tests, module build, KUnit
#   make lab             the demo lab in a VM
#   make bench           benchmarks on the release kernel (scripts/bench)
#   make bench-split     split against whole splices, proxy CPU per GB (scripts/bench-split)
#   make soak            hostile traffic, fuzzing, crashes for an hour (scripts/soak)
#   make install         tools, man pages, completions, systemd unit, example
#                        configuration (DESTDIR, PREFIX); the module too when
#                        KDIR is given explicitly
#   make dkms-install    register the module's sources with DKMS
#   make clean

CACHE ?= $(or $(TCPSPLICE_CACHE),/var/cache/tcpsplice)
KDIR ?= $(shell scripts/build-kernel --print debug 2>/dev/null)
LLVM ?= -19
RUSTC ?= /usr/bin/rustc
BINDGEN ?= $(firstword $(wildcard $(CACHE)/tools/bin/bindgen) bindgen)
# Treat warnings as errors: W=e is not a kbuild thing, so pass the flags.
WERROR ?= 1
ifeq ($(WERROR),1)
KFLAGS := KCFLAGS=-Werror KRUSTFLAGS=-Dwarnings
endif
# DKMS adds CC=clang LD=ld.lld for a kernel built with clang; with a
# versioned LLVM (LLVM=-19) name the versioned tools, which win over those.
LLVM_TOOLS = $(if $(filter -%,$(LLVM)),CC=clang$(LLVM) LD=ld.lld$(LLVM))
KMAKE = $(MAKE) -C $(KDIR) M=$(CURDIR) LLVM=$(LLVM) $(LLVM_TOOLS) RUSTC=$(RUSTC) BINDGEN=$(BINDGEN) $(KFLAGS)

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' tools/Cargo.toml | head -1)
PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system
MODULESLOADDIR ?= /usr/lib/modules-load.d
SYSCONFDIR ?= /etc
BIN := tools/target/release

.PHONY: all modules clippy clean check check-quick lab tools bench bench-split soak install dkms-install
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

check-quick:
	scripts/check --quick

lab:
	scripts/lab

bench:
	scripts/bench

bench-split:
	scripts/bench-split

soak:
	scripts/soak $(SOAK_SECONDS)

install: tools
	install -D -m 0755 $(BIN)/tcpsplicectl $(DESTDIR)$(SBINDIR)/tcpsplicectl
	install -D -m 0755 $(BIN)/tcpsplice-proxy $(DESTDIR)$(SBINDIR)/tcpsplice-proxy
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	$(BIN)/tcpsplicectl generate man-dir $(DESTDIR)$(MANDIR)/man8
	install -D -m 0644 -t $(DESTDIR)$(MANDIR)/man5 scripts/packaging/tcpsplice-proxy.toml.5 scripts/packaging/tcpsplice-cluster.toml.5
	$(BIN)/tcpsplice-proxy --generate man > $(DESTDIR)$(MANDIR)/man8/tcpsplice-proxy.8
	$(BIN)/tcpsplicectl generate bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tcpsplicectl
	$(BIN)/tcpsplice-proxy --generate bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tcpsplice-proxy
	$(BIN)/tcpsplicectl generate zsh > $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_tcpsplicectl
	$(BIN)/tcpsplice-proxy --generate zsh > $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_tcpsplice-proxy
	$(BIN)/tcpsplicectl generate fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/tcpsplicectl.fish
	$(BIN)/tcpsplice-proxy --generate fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/tcpsplice-proxy.fish
	install -D -m 0644 scripts/packaging/tcpsplice-proxy.service $(DESTDIR)$(UNITDIR)/tcpsplice-proxy.service
	install -D -m 0644 scripts/packaging/tcpsplice-cluster.service $(DESTDIR)$(UNITDIR)/tcpsplice-cluster.service
	install -D -m 0644 scripts/packaging/modules-load.conf $(DESTDIR)$(MODULESLOADDIR)/tcpsplice.conf
	install -D -m 0644 scripts/packaging/proxy.toml $(DESTDIR)$(SYSCONFDIR)/tcpsplice/proxy.toml.example
ifneq ($(origin KDIR),file)
	$(KMAKE) modules
	$(KMAKE) INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=updates modules_install
endif

# DKMS_TREE and SRC_TREE let a test use scratch directories.
DKMS_SRC ?= /usr/src
dkms-install:
	rm -rf $(DKMS_SRC)/tcpsplice-$(VERSION)
	install -d $(DKMS_SRC)/tcpsplice-$(VERSION)/tools/tcpsplice-core
	cp -r Kbuild Makefile rust include $(DKMS_SRC)/tcpsplice-$(VERSION)/
	cp -r tools/tcpsplice-core/src $(DKMS_SRC)/tcpsplice-$(VERSION)/tools/tcpsplice-core/
	cp tools/Cargo.toml $(DKMS_SRC)/tcpsplice-$(VERSION)/tools/
	sed 's/@VERSION@/$(VERSION)/' dkms.conf > $(DKMS_SRC)/tcpsplice-$(VERSION)/dkms.conf
	find $(DKMS_SRC)/tcpsplice-$(VERSION) -name '*.o' -o -name '.*.cmd' -o -name '*.ko' | xargs rm -f
	dkms add $(DKMS_FLAGS) -m tcpsplice -v $(VERSION)
	dkms build $(DKMS_FLAGS) -m tcpsplice -v $(VERSION) $(DKMS_BUILD_FLAGS)
	dkms install $(DKMS_FLAGS) -m tcpsplice -v $(VERSION) $(DKMS_BUILD_FLAGS)

