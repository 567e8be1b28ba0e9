#!/usr/bin/env bash
# build-kernel.sh SRCDIR VERSION OUTDIR [make args...]
#
# A minimal x86_64 kernel for the vm test (tests/vm) from a kernel release
# tree: tinyconfig (allnoconfig on trees older than 3.18, which have no
# tinyconfig) plus what the test needs: serial console, initramfs,
# procfs/sysfs/devtmpfs, IPv4/IPv6, AF_PACKET, veth built in, bpf() with the
# JIT, namespaces, seccomp, and tc (ingress/clsact qdisc, cls_bpf, actions).
# The image and its .config land in OUTDIR as bzImage-VERSION and
# config-VERSION.  Extra arguments go to every make call (CC=..., HOSTCC=...).
#
# Built with Debian 12 (gcc 12.2, binutils 2.40).  Old trees need help with
# today's toolchain; this script does what worked and says so as it goes:
#  - trees with per-gcc-version compiler headers (before 4.2: 3.x, 4.0, 4.1)
#    are built with gcc-11 and get a compiler-gccN.h (see fix_tree below);
#  - 4.14 to 5.x: objtool (stack validation) does not build with gcc 12, so
#    stack validation is turned off and the guess unwinder used; where it
#    cannot be turned off (5.10: static calls select it) the host tools are
#    built with HOSTCC=gcc-11;
#  - trees before 4.2 get the early IDT handler stubs padded (see fix_tree).
# Options that do not exist in a tree (e.g. BPF_SYSCALL before 3.18,
# MULTIUSER before 4.1, POSIX_TIMERS before 4.10) are listed and skipped;
# an option that exists but did not end up =y stops the build with an error.
#
# Examples (sources kept outside the repository, images under build/):
#   tests/vm/build-kernel.sh /work/ksrc/linux-5.4.59  5.4.59  build/kernels
#   tests/vm/build-kernel.sh /work/ksrc/linux-3.17.0  3.17.0  build/kernels
set -euo pipefail

die() { echo "build-kernel.sh: $*" >&2; exit 1; }
note() { echo "build-kernel.sh: $ver: $*" >&2; }

[ $# -ge 3 ] || die "usage: build-kernel.sh SRCDIR VERSION OUTDIR [make args...]"
src=$1 ver=$2 out=$3; shift 3
[ -f "$src/Makefile" ] && [ -d "$src/arch/x86" ] || die "$src: not a kernel source tree"
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$src"

jobs=${JOBS:-$(nproc)}
margs=("$@")
has_arg() { local a; for a in "${margs[@]}"; do [[ $a == "$1="* ]] && return 0; done; return 1; }

# Trees before 4.2 include <linux/compiler-gcc$(__GNUC__).h>: with no header for
# the compiler's major version the build stops at the first file.  Those trees
# are also the ones that fail with gcc 12 in ways gcc 11 does not, so they get
# gcc-11 unless CC is given, with -fno-pie -no-pie (Debian's gcc builds PIE by
# default; these Makefiles predate -fno-PIE: "code model kernel does not
# support PIC mode") and -fcommon (gcc 10 made -fno-common the default; these
# trees have tentative definitions shared between files).
old_tree=
grep -q '_gcc_header' include/linux/compiler-gcc.h 2>/dev/null && old_tree=1
if [ -n "$old_tree" ]; then
	if ! has_arg CC; then
		command -v gcc-11 >/dev/null || die "$ver: this tree needs gcc-11 (apt-get install gcc-11) or CC=..."
		margs+=("CC=gcc-11 -fno-pie -no-pie -fcommon")
		note "old tree: CC=\"gcc-11 -fno-pie -no-pie -fcommon\""
	fi
	# host tools too: arch/x86/tools/relocs links relocs_32.o and relocs_64.o,
	# both defining per_cpu_load_addr (made static upstream for gcc 10)
	if ! has_arg HOSTCC && command -v gcc-11 >/dev/null; then
		margs+=("HOSTCC=gcc-11 -fcommon")
		note "old tree: HOSTCC=\"gcc-11 -fcommon\""
	fi
fi
kmake() { make ARCH=x86_64 "${margs[@]}" "$@"; }

# Source fixes for old trees with today's compiler and assembler; each is done
# once (the tree is a scratch copy outside the repository) and announced.
fix_tree() {
	local cc gccmaj newest
	if [ -n "$old_tree" ]; then
		# compiler-gccN.h for the compiler in use, copied from the newest
		# header the tree has (gcc5 in 4.0, gcc4 in 3.x).
		cc=gcc
		for a in "${margs[@]}"; do [[ $a == CC=* ]] && cc=${a#CC=}; done
		gccmaj=$($cc -dumpversion | cut -d. -f1)
		if [ ! -f "include/linux/compiler-gcc$gccmaj.h" ]; then
			newest=$(ls include/linux/compiler-gcc[0-9]*.h | sort -V | tail -1)
			cp "$newest" "include/linux/compiler-gcc$gccmaj.h"
			note "fix: include/linux/compiler-gcc$gccmaj.h copied from $newest"
		fi
	fi
	# early_idt_handlers[] in head_64.S is declared as 9-byte stubs
	# (segment.h: [NUM_EXCEPTION_VECTORS][2+2+5]) but each stub ends in
	# "jmp early_idt_handler", which binutils 2.40 shortens to 2 bytes
	# although the target is global: the table gets short entries, the IDT
	# points into the middle of instructions and the kernel hangs before its
	# first console line.  Pad each stub to 9 bytes with int3, as upstream
	# did in 4.2 (".fill early_idt_handler_array + i*EARLY_IDT_HANDLER_SIZE - .").
	local h=arch/x86/kernel/head_64.S
	if grep -q '^early_idt_handlers:' "$h" && ! grep -q 'fill early_idt_handlers' "$h"; then
		sed -i '/^early_idt_handlers:/,/\.endr/ s/^\(\ti = i + 1\)$/\1\n\t.fill early_idt_handlers + i*9 - ., 1, 0xcc/' "$h"
		grep -q 'fill early_idt_handlers' "$h" || die "$ver: could not pad early_idt_handlers in $h"
		note "fix: $h: early_idt_handlers stubs padded to 9 bytes"
	fi
}
fix_tree

if grep -q '^tinyconfig:' scripts/kconfig/Makefile; then
	kmake tinyconfig >/dev/null
else
	# tinyconfig arrived in 3.18; allnoconfig is the same minus size tweaks
	note "no tinyconfig in this tree: allnoconfig"
	kmake allnoconfig >/dev/null
fi

want="64BIT X86_64 SMP PRINTK EARLY_PRINTK BUG TTY SERIAL_8250 SERIAL_8250_CONSOLE BLK_DEV_INITRD
RD_GZIP BINFMT_ELF BINFMT_SCRIPT PROC_FS PROC_SYSCTL SYSCTL SYSFS DEVTMPFS DEVTMPFS_MOUNT TMPFS
NET INET IPV6 PACKET UNIX NETDEVICES NET_CORE VETH BPF BPF_SYSCALL BPF_JIT HAVE_EBPF_JIT NET_NS
NAMESPACES MULTIUSER SECCOMP SECCOMP_FILTER FUTEX EPOLL SIGNALFD TIMERFD EVENTFD SHMEM
POSIX_TIMERS MODULES FILE_LOCKING PCI ACPI KALLSYMS HIGH_RES_TIMERS
NET_SCHED NET_SCH_INGRESS NET_CLS NET_CLS_ACT NET_CLS_BPF"

# every symbol this tree's Kconfig files define
known=$(find . -name 'Kconfig*' -not -path './tools/*' -exec grep -hoE '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' {} + |
	awk '{ print $2 }' | sort -u)
present=() absent=()
for o in $want; do
	if grep -qx "$o" <<< "$known"; then present+=("$o"); else absent+=("$o"); fi
done
[ ${#absent[@]} -eq 0 ] || note "not in this kernel, skipped: ${absent[*]}"

# twice: some options can be set only once their parents are on
for pass in 1 2; do
	for o in "${present[@]}"; do scripts/config -e "$o"; done
	# objtool of 4.14-5.x does not build with gcc 12: no stack validation,
	# no ORC/frame-pointer unwinder (both need objtool), the guess unwinder.
	# BPF_JIT_ALWAYS_ON would remove the interpreter the test also uses.
	scripts/config -d BPF_JIT_ALWAYS_ON -d DEBUG_INFO -d STACK_VALIDATION -d UNWINDER_ORC \
		-d UNWINDER_FRAME_POINTER -e UNWINDER_GUESS
	kmake olddefconfig >/dev/null
done

missing=()
for o in "${present[@]}"; do grep -q "^CONFIG_$o=y" .config || missing+=("$o"); done
if [ ${#missing[@]} -ne 0 ]; then
	for o in "${missing[@]}"; do
		echo "build-kernel.sh: $ver: CONFIG_$o could not be set ($(grep -E "^(# )?CONFIG_$o[= ]" .config || echo 'not in .config: a dependency is off'))" >&2
	done
	die "$ver: ${#missing[@]} required option(s) not set; see $src/.config"
fi

# Where static calls still select stack validation (5.10), objtool is built
# and needed: it does not build with gcc 12, so the host compiler is gcc-11.
if grep -q '^CONFIG_STACK_VALIDATION=y' .config && ! has_arg HOSTCC; then
	command -v gcc-11 >/dev/null || die "$ver: objtool needs HOSTCC=gcc-11 (apt-get install gcc-11)"
	margs+=("HOSTCC=gcc-11")
	note "STACK_VALIDATION cannot be turned off here: HOSTCC=gcc-11 for objtool"
fi

start=$(date +%s)
kmake -j"$jobs" bzImage
cp arch/x86/boot/bzImage "$out/bzImage-$ver"
cp .config "$out/config-$ver"
echo "build-kernel.sh: $ver: $out/bzImage-$ver ($(stat -c %s "$out/bzImage-$ver") bytes," \
	"$(( $(date +%s) - start ))s)"
