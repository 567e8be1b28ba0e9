# pktcount — per-protocol byte counting in the kernel through raw bpf() syscalls.
#
#   make            build ./pktcount
#   make static     build ./pktcount-static (musl-gcc when present)
#   make run        install what is missing, build, count on the default interface
#   make check      install what is missing, build, run every test (as root)
#   make test-unit  the unit tests alone: seconds, no root needed
#   make install    PREFIX=/usr/local DESTDIR=
#   make deb        the Debian package (../pktcount_VERSION_ARCH.deb), checked by lintian
#
# Honours CC, CFLAGS, CPPFLAGS, LDFLAGS, PREFIX, DESTDIR; quiet unless V=1.

VERSION   := 0.1
PREFIX    ?= /usr/local
SBINDIR   ?= $(PREFIX)/sbin
MANDIR    ?= $(PREFIX)/share/man
CC        ?= cc
CFLAGS    ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
             -Wformat=2 -Wno-format-nonliteral
BASE_CPPFLAGS := -Iinclude -Isrc -D_GNU_SOURCE -DPC_VERSION='"$(VERSION)"' $(CPPFLAGS)
ALL_CFLAGS   := -std=gnu11 $(WARNFLAGS) $(CFLAGS)
LDLIBS    += $(PCAP_LIBS) -lm -pthread

# pcap mode when libpcap is there (make PCAP=no to leave it out).
PCAP ?= $(shell printf '\043include <pcap/pcap.h>\nint main(void) { return pcap_lib_version() == 0; }\n' | \
	$(CC) -x c - -lpcap -o /dev/null 2>/dev/null && echo yes || echo no)
ifeq ($(PCAP),yes)
PCAP_SRCS := src/pcap.c
PCAP_CPPFLAGS := -DPC_HAVE_PCAP
PCAP_LIBS := -lpcap
endif

ALL_CPPFLAGS := $(BASE_CPPFLAGS) $(PCAP_CPPFLAGS)

# Everything but main(): the tests link the same objects.
CORE_SRCS := src/taps.c src/modes.c src/par.c src/follow.c src/log.c src/bpf.c src/key.c src/classify.c src/entries.c src/counts.c src/class.c src/file.c src/cbpf.c src/class_pcap.c src/ebpf.c src/ebpf_by.c src/classic.c src/iface.c src/optmem.c \
             src/nl.c src/netlink.c src/tcnl.c src/tc.c src/pin.c src/name.c src/report.c src/output.c src/privs.c src/seccomp.c src/options.c insn/count.c insn/classes.c insn/classic.c \
             insn/probes.c src/prog/variant.c src/prog/build.c src/prog/classes.c src/prog/cbpf_ebpf.c src/prog/asm.c
LIB_SRCS  := $(CORE_SRCS) $(PCAP_SRCS)
SRCS      := src/main.c $(LIB_SRCS)
# Unit tests (tests/unit/): no root, no namespace, no network, no bpf()
# that needs privilege; seconds.  Live tests (tests/live/): the rest.  A
# test file is built by being in one of the two; the helpers, one concern a
# file (tests/lib/*.h say which), are linked where they are needed.
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
LIVE_SRCS := $(sort $(wildcard tests/live/*.c))
UNIT_LIB_SRCS := tests/lib/sh.c tests/lib/wait.c tests/lib/proc.c tests/lib/records.c tests/lib/frames.c \
             tests/lib/fuzz_check.c tests/lib/bykeys.c
LIVE_LIB_SRCS := $(UNIT_LIB_SRCS) tests/lib/netns.c tests/lib/traffic.c tests/lib/load.c tests/lib/counting.c
TEST_SRCS := $(UNIT_SRCS) $(LIVE_SRCS) $(LIVE_LIB_SRCS)

OBJDIR    := build
OBJS      := $(SRCS:%.c=$(OBJDIR)/%.o)
LIB_OBJS  := $(LIB_SRCS:%.c=$(OBJDIR)/%.o)
TEST_OBJS := $(TEST_SRCS:%.c=$(OBJDIR)/%.o)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(OBJDIR)/%.o) $(UNIT_LIB_SRCS:%.c=$(OBJDIR)/%.o)
LIVE_OBJS := $(LIVE_SRCS:%.c=$(OBJDIR)/%.o) $(LIVE_LIB_SRCS:%.c=$(OBJDIR)/%.o)

# Debian packages `make check` and `make run` install when missing.
DEB_BUILD := gcc make libc6-dev linux-libc-dev
DEB_TEST  := libcriterion-dev libcjson-dev iproute2 ethtool tcpdump bpftool clang libclang-rt-14-dev libpcap-dev \
             prometheus valgrind systemd man-db bzip2
DEB_STATIC := musl-tools
DEB_BENCH := netsniff-ng bpftool tcpdump gnuplot-nox libpcap-dev iproute2 util-linux iftop
DEB_PACKAGE := debhelper dpkg-dev lintian libpcap-dev linux-libc-dev

ifeq ($(V),1)
Q :=
else
Q := @
endif

.PHONY: all static run check test test-unit test-live deps deps-test deps-bench deps-deb deb bench scale soak install uninstall clean fuzz classic-gen \
	deps-vm vm-test vm-kernel captures asan-pins

all: pktcount
	@echo "  pktcount: modes ebpf classic tc$(if $(PCAP_SRCS), pcap, (no pcap: libpcap not found))"

pktcount: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(OBJDIR)/%.o: %.c $(wildcard include/*.h src/*.h src/prog/*.h tests/lib/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# A static binary for devices with no libraries: musl when we have it, and
# no libpcap (no static libpcap fits musl): eBPF and classic modes.
# make static CROSS=aarch64-linux-gnu- (or arm-linux-gnueabihf-) builds
# pktcount-static-ARCH with Debian's cross compiler and static glibc: no
# musl cross toolchain is packaged.
STATIC_SRCS := src/main.c $(CORE_SRCS)
# The kernel's UAPI headers for musl: musl-gcc searches only musl's own
# include directory, so it gets one holding just linux/, asm/ (this build's
# architecture, from linux-libc-dev) and asm-generic/, nothing of glibc's.
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
UAPI_DIR  := build/uapi-$(MULTIARCH)
ifeq ($(CROSS),)
STATIC_CC := $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
STATIC_BIN := pktcount-static
STATIC_UAPI := $(if $(findstring musl,$(STATIC_CC)),-isystem $(UAPI_DIR))
else
STATIC_CC := $(CROSS)gcc
STATIC_BIN := pktcount-static-$(firstword $(subst -, ,$(CROSS)))
endif
static: $(STATIC_BIN)
$(UAPI_DIR):
	@mkdir -p $@
	$(Q)ln -sfn /usr/include/linux $@/linux && ln -sfn /usr/include/asm-generic $@/asm-generic && \
		ln -sfn /usr/include/$(MULTIARCH)/asm $@/asm
$(STATIC_BIN): $(STATIC_SRCS) $(wildcard include/*.h src/*.h src/prog/*.h) $(if $(STATIC_UAPI),$(UAPI_DIR))
	@echo "  STATIC  $@ ($(notdir $(STATIC_CC)); modes ebpf classic tc)"
	$(Q)$(STATIC_CC) $(BASE_CPPFLAGS) $(STATIC_UAPI) -std=gnu11 $(WARNFLAGS) -Os -static $(LDFLAGS) \
		-o $@ $(STATIC_SRCS) -lm -pthread
	$(Q)$(CROSS)strip $@
	@echo "  SIZE    $@: $$(wc -c < $@) bytes"

tests/pktcount-unit: $(UNIT_OBJS) $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(LIB_OBJS) -lcriterion -lcjson $(LDLIBS)

tests/pktcount-live: $(LIVE_OBJS) $(LIB_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(LIVE_OBJS) $(LIB_OBJS) -lcriterion -lcjson $(LDLIBS)

# Tests include their helpers as "lib/NAME.h".
$(TEST_OBJS): ALL_CPPFLAGS += -Itests

# A change of PCAP= must rebuild what depends on it.
$(OBJS) $(TEST_OBJS): build/pcap-$(PCAP)
build/pcap-$(PCAP):
	@mkdir -p build && rm -f build/pcap-* && touch $@

# Runs a command with one kernel feature failing, as on older kernels.
tests/seccomp-run: tests/seccomp_run.c $(wildcard include/*.h)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

# Install the Debian packages that are missing (root only; others are told).
define apt_install
	@missing=""; for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "missing packages:$$missing (install them as root)"; exit 1; fi; \
		echo "  APT    $$missing"; \
		apt-get update -qq || echo "  APT    update had errors (a mirror mid-sync?): going on with the lists it has"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_install,$(DEB_BUILD))

deps-test: deps
	$(call apt_install,$(DEB_TEST) $(DEB_STATIC))
	$(Q)bash tests/captures.sh

# Real captures for tests/live/test_classdiff.c (Wireshark's, from Debian's
# wireshark source package) into build/captures, once (tests/captures.sh).
captures:
	$(Q)bash tests/captures.sh

deps-bench: deps
	$(call apt_install,$(DEB_BENCH))

deps-deb: deps
	$(call apt_install,$(DEB_PACKAGE))

# The package, built as Debian builds it (debian/rules: this Makefile's
# install target, the unit, its default options), then lintian: errors fail.
deb: deps-deb
	dpkg-buildpackage -b -us -uc
	lintian --fail-on error ../pktcount_$(VERSION)_$$(dpkg --print-architecture).deb

# Every tap side by side on a veth pair (bench/run.sh; about 10 minutes).
bench: deps-bench
	$(MAKE) pktcount bench/tap
	bash bench/run.sh

# Real Debian kernels under qemu, the static binary inside (tests/vm/run.sh).
DEB_VM := qemu-system-x86 qemu-system-arm busybox-static cpio gzip xz-utils \
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
VM_CACHE ?= build/vm-cache
# arm64 packages are fetched with apt-get download, never installed: the
# architecture must be known to apt for that.
deps-vm: deps
	$(call apt_install,$(DEB_VM) $(DEB_STATIC))
	@for a in arm64 armhf; do dpkg --print-foreign-architectures | grep -qx $$a || \
		{ dpkg --add-architecture $$a && { apt-get update -qq || \
		  echo "  APT    update had errors (a mirror mid-sync?): going on with the lists it has"; }; }; done

tests/vm/vmtest-x86_64: tests/vm/vmtest.c
	@echo "  STATIC  $@"
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -static -o $@ $<

tests/vm/vmtest-aarch64: tests/vm/vmtest.c
	@echo "  STATIC  $@"
	$(Q)aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Werror -static -o $@ $<

tests/vm/vmtest-armhf: tests/vm/vmtest.c
	@echo "  STATIC  $@"
	$(Q)arm-linux-gnueabihf-gcc -O2 -Wall -Wextra -Werror -static -o $@ $<

# Debian's kernels: x86_64, aarch64 and 32-bit ARM; VM_ARCHES=x86_64 for one.
VM_ARCHES ?= x86_64 aarch64 armhf
# And every bzImage-* (x86_64, veth built in) in these directories: the
# project's shared old kernels (4.0 to 5.10) and those make vm-kernel built.
# A directory that is missing is a SKIP line, never a silent pass.
VM_KERNELS ?= ../shared/kernels build/kernels
vm-test: deps-vm static $(foreach a,$(VM_ARCHES),tests/vm/vmtest-$(a)) tests/vm/vmtest-x86_64
	$(if $(filter aarch64,$(VM_ARCHES)),$(MAKE) static CROSS=aarch64-linux-gnu-)
	$(if $(filter armhf,$(VM_ARCHES)),$(MAKE) static CROSS=arm-linux-gnueabihf-)
	@failed=; for a in $(VM_ARCHES); do VM_CACHE=$(VM_CACHE) bash tests/vm/run.sh $$a || failed="$$failed $$a"; done; \
	for d in $(VM_KERNELS); do \
		set -- $$(ls -d "$$d"/bzImage-* 2>/dev/null | sort -V); \
		if [ $$# = 0 ]; then echo "vm-test: SKIP $$d: no bzImage-* there"; continue; fi; \
		for k in "$$@"; do VM_CACHE=$(VM_CACHE) bash tests/vm/run.sh bzimage "$$k" || failed="$$failed $$k"; done; \
	done; \
	if [ -n "$$failed" ]; then echo "vm-test: FAILED:$$failed (their lines are above)"; exit 1; fi; \
	echo "vm-test: every kernel as expected"

# An x86_64 kernel for the vm test from a kernel source tree (a public release
# tree, kept outside the repository), into build/kernels where vm-test boots
# it: make vm-kernel KSRC=/path/to/linux-3.17 KVERSION=3.17.0 [KMAKE="CC=..."]
# tests/vm/build-kernel.sh says what old trees need with today's gcc.
DEB_KERNEL := bc bison flex libelf-dev libssl-dev gcc-11 cpio make
vm-kernel: deps
	$(call apt_install,$(DEB_KERNEL))
	@[ -n "$(KSRC)" ] && [ -n "$(KVERSION)" ] || { echo "make vm-kernel KSRC=DIR KVERSION=X.Y.Z"; exit 2; }
	bash tests/vm/build-kernel.sh "$(KSRC)" "$(KVERSION)" build/kernels $(KMAKE)

# pktcount -a on 1,000 interfaces, every mode: start, idle CPU, re-attach
# after a burst, exit (bench/scale.sh; a few minutes).
scale: deps-bench
	$(MAKE) pktcount
	bash bench/scale.sh

# Every mode at full rate for SOAK_SECONDS each (default 120): memory and
# descriptors flat, totals exact.  Minutes: not part of make check.
soak: deps-bench
	$(MAKE) pktcount
	bash bench/soak.sh

run: deps pktcount
	./pktcount $(ARGS)

# Every test: the unit tests, then the live ones (as root: namespaces,
# traffic, programs in the kernel), both run whatever the first gives.
# TEST_ARGS go to both: --filter 'cli/*' picks a suite's tests in each.
test: tests/pktcount-unit tests/pktcount-live tests/seccomp-run pktcount
	$(Q)unit=0; live=0; \
	./tests/pktcount-unit --verbose $(TEST_ARGS) || unit=$$?; \
	./tests/pktcount-live --verbose $(TEST_ARGS) || live=$$?; \
	[ $$unit = 0 ] || echo "test: the unit tests failed too (tests/pktcount-unit, above)"; \
	[ $$unit = 0 ] && [ $$live = 0 ]

# The unit tests alone: seconds, and nothing in them needs root.  Run as
# root, they drop to nobody first (tests/unprivileged.sh): one that comes to
# need root fails here.  (make test runs them as whoever runs it: as root,
# the random -dd programs are also loaded into the kernel.)
test-unit: tests/pktcount-unit pktcount
	sh tests/unprivileged.sh ./tests/pktcount-unit --verbose $(TEST_ARGS)

test-live: tests/pktcount-live tests/seccomp-run pktcount
	./tests/pktcount-live --verbose $(TEST_ARGS)

# The static binary must count too: rerun the end-to-end JSON test with it.
# The unit tests must pass as nobody (make test-unit), then every test runs.
check: deps-test
	$(MAKE) static tests/pktcount-unit tests/pktcount-live tests/seccomp-run pktcount
	PKTCOUNT=$(CURDIR)/pktcount-static ./tests/pktcount-live --filter 'cli/@(count_3_json_exact|modes_listed_by_version_work)'
	$(MAKE) test-unit
	$(MAKE) fuzz FUZZ_SECONDS=30
	$(MAKE) asan-pins
	rm -rf build/destdir && $(MAKE) -s install DESTDIR=$(CURDIR)/build/destdir PREFIX=/usr && \
		test -x build/destdir/usr/sbin/pktcount && test -f build/destdir/usr/share/man/man8/pktcount.8 && \
		echo "  install: DESTDIR and PREFIX honoured"
	$(MAKE) test

# The classic filters, from tcpdump -dd (the output is committed).
classic-gen:
	sh insn/gen-classic.sh > insn/classic.c.new && mv insn/classic.c.new insn/classic.c

# The classifier under libFuzzer with ASan and UBSan, against the reference
# model; FUZZ_SECONDS long.  A crash is copied to tests/fuzz-regressions/.
FUZZ_SECONDS ?= 300
FUZZ_SRCS := tests/fuzz_classify.c tests/lib/fuzz_check.c tests/lib/frames.c src/classify.c src/key.c
tests/fuzz-classify: $(FUZZ_SRCS) $(wildcard include/*.h src/*.h tests/lib/*.h)
	@echo "  FUZZ-CC $@"
	$(Q)clang $(ALL_CPPFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $(FUZZ_SRCS)

# pktcount itself with ASan and UBSan; the pinned-state tests run it against
# pins of every wrong shape.  Leaks are not looked for: LeakSanitizer's
# tracer is a clone() without CLONE_THREAD, which the seccomp filter refuses.
pktcount-asan: $(SRCS) $(wildcard include/*.h src/*.h src/prog/*.h)
	@echo "  ASAN-CC $@"
	$(Q)clang $(ALL_CPPFLAGS) -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-o $@ $(SRCS) $(LDLIBS)

asan-pins: pktcount-asan tests/pktcount-live
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		PKTCOUNT=$(CURDIR)/pktcount-asan ./tests/pktcount-live --filter 'pins/*'

fuzz: tests/fuzz-classify
	@mkdir -p build/fuzz-corpus build/fuzz-crashes
	@cp tests/fuzz-regressions/seed-* build/fuzz-corpus/ 2>/dev/null || true
	@./tests/fuzz-classify -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -print_final_stats=1 \
		-artifact_prefix=build/fuzz-crashes/ build/fuzz-corpus 2>build/fuzz.log; rc=$$?; \
	tail -n 12 build/fuzz.log; \
	for c in build/fuzz-crashes/*; do [ -e "$$c" ] && cp "$$c" tests/fuzz-regressions/; done; \
	if [ $$rc -ne 0 ]; then echo "fuzz: libFuzzer found a failing input (kept in tests/fuzz-regressions/)"; exit 1; fi

install: pktcount
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 0755 pktcount $(DESTDIR)$(SBINDIR)/pktcount
	install -m 0644 pktcount.8 $(DESTDIR)$(MANDIR)/man8/pktcount.8

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/pktcount $(DESTDIR)$(MANDIR)/man8/pktcount.8

clean:
	rm -rf $(OBJDIR) pktcount pktcount-asan pktcount-static pktcount-static-* tests/pktcount-unit tests/pktcount-live tests/fuzz-classify tests/seccomp-run bench/tap tests/vm/vmtest-*

BENCH_SRCS := src/log.c src/name.c src/bpf.c src/key.c insn/count.c insn/classes.c insn/probes.c \
	      src/prog/variant.c src/prog/build.c src/prog/classes.c src/prog/cbpf_ebpf.c src/prog/asm.c
bench/tap: bench/tap.c $(BENCH_SRCS) $(wildcard include/*.h src/*.h src/prog/*.h)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -o $@ bench/tap.c $(BENCH_SRCS) $(LDLIBS)
