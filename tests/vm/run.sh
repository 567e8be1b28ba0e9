#!/usr/bin/env bash
# make vm-test: boot a kernel under qemu with a small initramfs (busybox,
# pktcount-static, vmtest, the veth module where it is one) and run the live
# counting test inside, in every mode; each run is judged against what that
# kernel must give (tests/vm/expect): the mode and program variant, or the
# refusal.  Debian's kernels come from its registry with apt-get download
# into VM_CACHE (nothing is installed on the host); TCG unless VM_ACCEL=kvm.
#   tests/vm/run.sh ARCH            a Debian kernel (x86_64, aarch64, armhf)
#   tests/vm/run.sh bzimage FILE    an x86_64 bzImage with veth built in
set -euo pipefail
cd "$(dirname "$0")/../.."
ARCH=${1:-x86_64}
TIMEOUT=${VM_TIMEOUT:-600}
BZIMAGE=
if [ "$ARCH" = bzimage ]; then
	BZIMAGE=${2:?tests/vm/run.sh bzimage FILE}
	ARCH=x86_64
	# one directory per image path: two directories may hold one version
	CACHE=${VM_CACHE:-build/vm-cache}/$(realpath "$BZIMAGE" | tr / _)
else
	CACHE=${VM_CACHE:-build/vm-cache}/$ARCH
fi

case "$ARCH" in
x86_64) DEBARCH=amd64; QEMU=qemu-system-x86_64; CONSOLE=ttyS0; MACHINE=(); BIN=pktcount-static
	META=linux-image-cloud-amd64 ;;
aarch64) DEBARCH=arm64; QEMU=qemu-system-aarch64; CONSOLE=ttyAMA0; MACHINE=(-M virt -cpu cortex-a57)
	BIN=pktcount-static-aarch64; META=linux-image-cloud-arm64 ;;
armhf) DEBARCH=armhf; QEMU=qemu-system-arm; CONSOLE=ttyAMA0; MACHINE=(-M virt -cpu cortex-a15)
	BIN=pktcount-static-arm; META=linux-image-armmp-lpae ;;
*) echo "vm-test: $ARCH: not set up" >&2; exit 2 ;;
esac
[ -x "$BIN" ] || { echo "vm-test: $BIN missing (make static${ARCH:+ CROSS=...})" >&2; exit 1; }

mkdir -p "$CACHE"
# fetch a package of this architecture into the cache once; print its .deb.
# A mirror in the middle of a sync fails a download now and then: try three
# times, then say what apt said.
fetch() {	# package
	local name=${1%%:*} deb err try
	deb=$(ls "$CACHE/$name"_*_"$DEBARCH".deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		echo "vm-test: downloading $1" >&2
		for try in 1 2 3; do
			err=$(cd "$CACHE" && apt-get download "$1" 2>&1 >/dev/null) && break
			[ "$try" = 3 ] && { echo "vm-test: apt-get download $1 failed: $(tail -1 <<<"$err")" >&2; return 1; }
			sleep 5
		done
		deb=$(ls "$CACHE/$name"_*_"$DEBARCH".deb | head -1)
	fi
	echo "$deb"
}
rm -rf "$CACHE/kernel" "$CACHE/initrd" "$CACHE/busybox"
if [ -n "$BZIMAGE" ]; then
	vmlinuz=$BZIMAGE
	veth=
else
	# The kernel each version of the meta package names, newest first (the
	# security suite's, then the point release's): when the newest can't be
	# had from the mirror, the one before it is still a Debian 12 kernel.
	meta=$META:$DEBARCH
	pkgs=$(apt-cache show "$meta" 2>/dev/null | sed -n 's/^Depends: \(linux-image-[0-9][^ ,]*\).*/\1/p')
	[ -n "$pkgs" ] || { echo "vm-test: cannot resolve $meta (apt-get update? dpkg --add-architecture?)" >&2; exit 1; }
	deb=
	for pkg in $pkgs; do
		deb=$(fetch "$pkg:$DEBARCH") && break
	done
	[ -n "$deb" ] || { echo "vm-test: no kernel of $meta could be downloaded" >&2; exit 1; }
	dpkg -x "$deb" "$CACHE/kernel"
	vmlinuz=$(ls "$CACHE"/kernel/boot/vmlinuz-*)
	veth=$(find "$CACHE/kernel/lib/modules" -name 'veth.ko*' | head -1)
fi
# tc mode's qdisc and classifier, modules in Debian's kernels (built in in ../shared/kernels)
tcmods=
[ -n "$BZIMAGE" ] || tcmods=$(find "$CACHE/kernel/lib/modules" -name 'sch_ingress.ko*' -o -name 'cls_bpf.ko*')

# the initramfs
root="$CACHE/initrd"
mkdir -p "$root"/{bin,proc,sys,dev}
if [ "$DEBARCH" = "$(dpkg --print-architecture)" ]; then
	cp "$(command -v busybox)" "$root/bin/busybox"
else
	bb=$(fetch "busybox-static:$DEBARCH") || exit 1
	dpkg -x "$bb" "$CACHE/busybox"
	cp "$CACHE/busybox/bin/busybox" "$root/bin/busybox"
fi
cp "$BIN" "$root/pktcount"
cp "tests/vm/vmtest-$ARCH" "$root/vmtest"
cp tests/vm/init "$root/init"
mkdir -p "$root/classes" && cp tests/vm/classes/*.dd tests/vm/classes/*.txt "$root/classes/"
chmod +x "$root/init"
for mod in $veth $tcmods; do
	name=$(basename "$mod"); name=${name%%.ko*}
	case "$mod" in
	*.xz) xz -dc "$mod" > "$root/$name.ko" ;;
	*.zst) zstd -dcq "$mod" > "$root/$name.ko" ;;
	*) cp "$mod" "$root/$name.ko" ;;
	esac
done
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$CACHE/initrd.gz"

# TCG unless asked: KVM inside this VM-hosted machine fails (emulation
# failures, MSR asserts), and TCG boots the cloud kernel and runs all four
# tests in about 7 seconds.  VM_ACCEL=kvm to try it where it works.
accel=${VM_ACCEL:-tcg}
echo "vm-test: booting $(basename "$vmlinuz") ($ARCH, $accel)"
log="$CACHE/console.log"
timeout "$TIMEOUT" "$QEMU" "${MACHINE[@]}" -accel "$accel" -m 512 -smp 2 -nographic -no-reboot \
	-kernel "$vmlinuz" -initrd "$CACHE/initrd.gz" \
	-append "console=$CONSOLE panic=-1 quiet" > "$log" 2>&1 || true
# (a kernel's last console escapes can stand before the first line)
tr -d '\r' < "$log" | grep -ao 'vmtest: .*' > "$CACHE/lines" || true
cat "$CACHE/lines"

# What tests/vm/expect says kernel version $1 must give in run $2.
expect() {
	awk -v ver="$1" -v run="$2" '
		function le(a, b,   x, y, i, n) {	# version a <= version b
			n = split(a, x, "."); split(b, y, ".")
			for (i = 1; i <= 3; i++) {
				if ((x[i] + 0) < (y[i] + 0)) return 1
				if ((x[i] + 0) > (y[i] + 0)) return 0
			}
			return 1
		}
		/^#/ || NF < 3 { next }
		$2 == run && le($1, ver) { want = $3 }
		END { print want }' tests/vm/expect
}
kernel=$(sed -n 's/.* kernel=\([^ ]*\).*/\1/p' "$CACHE/lines" | head -1)
version=${kernel%%[-+]*}
ok=0 bad=0
runs="auto ebpf classic tc auto+nobpf auto+follow auto+by auto+class tc+persist ebpf+optmem auto+optmem tc+clsact"
for run in $runs; do
	line=$(grep -aE " mode=${run/+/\\+}[ :]" "$CACHE/lines" | head -1 || true)
	want=$(expect "$version" "$run")
	case "$line" in
	"vmtest: PASS "*)
		got=$(sed 's/.* counted-by=\([^ ]*\).*/\1/' <<<"$line")
		caps=$(sed 's/.* caps=\([^ ]*\).*/\1/' <<<"$line")
		# classic keeps CAP_NET_RAW alone; tc keeps no CAP_NET_RAW (no socket).
		# auto+optmem counts in classic on a kernel with eBPF: auto keeps
		# CAP_BPF (5.8+) for an interface that comes later and may fit.
		classic_caps=0000000000002000
		[ "$run" = auto+optmem ] && [ $(( 0x$caps & 0x8000000000 )) != 0 ] && classic_caps=0000008000002000
		[ "$got" = "$want" ] && { [ "${got%%/*}" != classic ] || [ "$caps" = $classic_caps ]; } &&
			{ [ "${got%%/*}" != tc ] || [ $(( 0x$caps & 0x2000 )) = 0 ]; } ||
			got="$got caps=$caps" ;;
	"vmtest: EXIT "*)
		got=exit=$(sed 's/.* code=\([0-9]*\).*/\1/' <<<"$line")
		grep -q ' says=..*' <<<"$line" || got="$got (and said nothing)" ;;
	"") got="no result" ;;
	*) got="failed" ;;
	esac
	if [ "$got" = "$want" ]; then
		ok=$((ok + 1))
	else
		bad=$((bad + 1))
		echo "vm-test: $ARCH $kernel $run: want $want, got $got" >&2
	fi
done
if ! grep -q '^vmtest: DONE' "$CACHE/lines" || [ "$bad" -ne 0 ]; then
	echo "vm-test: $ARCH ${kernel:-?}: $ok of $(wc -w <<<"$runs") as expected; the console is in $log" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
echo "vm-test: $ARCH $kernel: $ok of $ok as expected"
