#!/usr/bin/env bash
# make soak: every mode at the highest packet rate for SOAK_SECONDS (default
# 120) each, on a veth pair in two namespaces made here.  Every 5 seconds the
# counting process's RSS and open descriptors are sampled; at the end its
# totals must equal the frames the receiving veth got, and neither memory nor
# descriptors may have grown after the first sample.  Not part of make check.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SOAK_SECONDS:-120}
A=pcs$$a
B=pcs$$b
TMP=$(mktemp -d)
pid=
fail=0

cleanup() {
	pkill -KILL -f "trafgen -i $TMP/udp.cfg" 2>/dev/null || true
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "soak: needs root" >&2; exit 1; }

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add va type veth peer name vb netns "$B"
for ns in "$A" "$B"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip -n "$A" link set va up
ip -n "$B" link set vb up
cat > "$TMP/udp.cfg" <<'CFG'
{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x99,  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  c16(0x0800),
  0x45, 0x00, c16(46), c16(0), c16(0), 64, 17, c16(0), 192, 0, 2, 1, 192, 0, 2, 2,
  c16(9), c16(9), c16(26), c16(0), fill(0x00, 18) }
CFG

rx() { ip netns exec "$B" cat /proc/net/dev | awk '/vb:/ { print $3 }'; }
sample() { echo "$(awk '/VmRSS/ { print $2 }' "/proc/$pid/status") $(ls "/proc/$pid/fd" | wc -l)"; }

for mode in ebpf classic pcap; do
	./pktcount --version | grep -q "$mode" || { echo "soak: $mode not built in, skipped"; continue; }
	# the ring sizes before --ring-size existed: 4 MiB classic, 8 MiB per pcap handle
	ring=(); [ "$mode" = classic ] && ring=(--ring-size 4M); [ "$mode" = pcap ] && ring=(--ring-size 8M)
	ip netns exec "$B" ./pktcount -m "$mode" "${ring[@]}" -j -i 5 vb > "$TMP/out" 2> "$TMP/err" &
	pid=$!
	sleep 1
	rx0=$(rx)
	ip netns exec "$A" taskset -c 1 trafgen -i "$TMP/udp.cfg" -o va -P 1 -C -Q >/dev/null 2>&1 &
	gen=$!
	first=
	for t in $(seq 5 5 "$SECS"); do
		sleep 5
		s=$(sample)
		[ -n "$first" ] || first=$s
		echo "  $mode ${t}s: RSS ${s% *} kB, ${s#* } fds"
	done
	# trafgen forks its sender; background jobs ignore SIGINT, its stop signal
	pkill -KILL -f "trafgen -i $TMP/udp.cfg" || true
	wait "$gen" 2>/dev/null || true
	sleep 0.5
	last=$(sample)
	rx1=$(rx)
	kill -TERM "$pid"; wait "$pid" || true
	pid=
	got=$(tail -n 1 "$TMP/out" | tr ',' '\n' | awk -F: '/"packets"/ { p += $2 } END { print p + 0 }')
	drops=$(tail -n 1 "$TMP/out" | tr ',' '\n' | awk -F: '/"drops"/ { print $2 + 0 }')
	sent=$(( rx1 - rx0 ))
	grow=$(( ${last% *} - ${first% *} ))
	verdict=pass
	if [ "$got" != "$sent" ] && [ "${drops:-0}" = 0 ]; then verdict="FAIL: counted $got of $sent"; fi
	if [ "$grow" -gt 256 ]; then verdict="FAIL: RSS grew $grow kB"; fi
	if [ "${last#* }" != "${first#* }" ]; then verdict="FAIL: descriptors ${first#* } -> ${last#* }"; fi
	[ "$verdict" = pass ] || fail=1
	echo "soak: $mode: $sent frames in ${SECS}s, counted $got, kernel drops ${drops:-0}, RSS ${first% *} -> ${last% *} kB, fds ${first#* } -> ${last#* }: $verdict"
done
exit $fail
