#!/usr/bin/env bash
# A hand benchmark of the tap's cost, as ../shared/reference/anchors.md
# measures it: a veth pair in two namespaces made here, trafgen pinned to one
# CPU sending N 60-byte IPv4 UDP frames to a destination MAC the receiver does
# not own (its IP stack drops them early), a tap on the receiving end.  veth
# runs the receiver's path in the sender's softirq, so the sender's time per
# frame includes the tap.  Modes rotate every round; medians of the paired
# differences against "no tap" are reported with their spread.
#
# Then kernel.bpf_stats_enabled gives each program's own run time per frame.
#
#   bench/veth.sh [ROUNDS] [N]      as root
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-8}
N=${2:-2000000}
A=pcb$$a
B=pcb$$b
TAP=./bench/tap
MODES=(none empty eth_percpu eth_xadd pktcount classic)
RES=$(mktemp -d)
tap_pid=

cleanup() {
	[ -n "$tap_pid" ] && kill -TERM "$tap_pid" 2>/dev/null && wait "$tap_pid" 2>/dev/null
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled=0 || true
	rm -rf "$RES"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || { echo "bench/veth.sh: needs root" >&2; exit 1; }
make -s pktcount bench/tap
if bpftool prog show 2>/dev/null | grep -q socket_filter; then
	echo "bench/veth.sh: a socket filter is already loaded; every figure would be off:" >&2
	bpftool prog show | grep -A2 socket_filter >&2
	exit 1
fi

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add va type veth peer name vb netns "$B"
for ns in "$A" "$B"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip -n "$A" link set va up
ip -n "$B" link set vb up

# 60 bytes: Ethernet to 02:..:99 (not vb), IPv4 192.0.2.1 > 192.0.2.2 UDP 9 > 9, 18 bytes of data
CFG="$RES/udp60.cfg"
cat > "$CFG" <<'CFG'
{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x99,  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  c16(0x0800),
  0x45, 0x00, c16(46), c16(0), c16(0), 64, 17, c16(0), 192, 0, 2, 1, 192, 0, 2, 2,
  c16(9), c16(9), c16(26), c16(0), fill(0x00, 18) }
CFG

start_tap() {
	local mode=$1
	case "$mode" in
	none) tap_pid= ; return ;;
	pktcount) ip netns exec "$B" ./pktcount -m ebpf -j -i 3600 vb > "$RES/tap.out" & ;;
	classic) ip netns exec "$B" ./pktcount -m classic -j -i 3600 vb > "$RES/tap.out" & ;;
	*) ip netns exec "$B" "$TAP" "$mode" vb > "$RES/tap.out" & ;;
	esac
	tap_pid=$!
	# attached once it says so (tap) or has an open socket (pktcount)
	for _ in $(seq 100); do
		if [ "$mode" = pktcount ] || [ "$mode" = classic ]; then
			ls -l /proc/$tap_pid/fd 2>/dev/null | grep -q socket && break
		else
			grep -q ready "$RES/tap.out" 2>/dev/null && break
		fi
		sleep 0.05
	done
	sleep 0.2
}

stop_tap() {
	[ -n "$tap_pid" ] || return 0
	kill -TERM "$tap_pid"
	wait "$tap_pid" || true
	tap_pid=
}

send() {	# prints ns per frame
	local t0 t1
	t0=$(date +%s%N)
	ip netns exec "$A" taskset -c 1 trafgen -i "$CFG" -o va -n "$1" -P 1 -C -Q >/dev/null 2>&1
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / $1 ))
}

echo "bench/veth.sh: $ROUNDS rounds of $N frames per mode; $(uname -r); $(nproc) CPUs"
for r in $(seq 0 $((ROUNDS - 1))); do
	n=${#MODES[@]}
	for i in $(seq 0 $((n - 1))); do
		mode=${MODES[$(( (i + r) % n ))]}
		start_tap "$mode"
		ns=$(send "$N")
		stop_tap
		echo "$r $mode $ns" >> "$RES/raw"
		case "$mode" in
		eth_percpu|eth_xadd) got=$(sed -n 's/^counted //p' "$RES/tap.out") ;;
		pktcount|classic) got=$(tail -n 1 "$RES/tap.out" | grep -o '"packets":[0-9]*' |
			cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
			drops=$(tail -n 1 "$RES/tap.out" | grep -o '"drops":[0-9]*' | cut -d: -f2)
			[ "${drops:-0}" = 0 ] || echo "  round $r $mode: $drops kernel drops" >&2 ;;
		*) got=$N ;;
		esac
		[ "$got" = "$N" ] || echo "  round $r $mode: counted $got of $N" >&2
	done
	echo "  round $r: $(awk -v r="$r" '$1 == r { printf "%s %s  ", $2, $3 }' "$RES/raw")"
done

echo
echo "| tap on the receiver | ns per frame, median | added vs no tap, median | paired spread |"
echo "|---|---|---|---|"
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
for mode in "${MODES[@]}"; do
	abs=$(awk -v m="$mode" '$2 == m { print $3 }' "$RES/raw" | median)
	diffs=$(awk -v m="$mode" '$2 == "none" { b[$1] = $3 } $2 == m { v[$1] = $3 }
		END { for (r in v) print v[r] - b[r] }' "$RES/raw" | sort -n)
	printf "| %s | %d | %+d | %+d..%+d |\n" "$mode" "$abs" "$(echo "$diffs" | median)" \
		"$(echo "$diffs" | head -1)" "$(echo "$diffs" | tail -1)"
done

echo
echo "Program run time, kernel.bpf_stats_enabled=1, 1000000 frames:"
echo "| program | insns | run_cnt | ns per run |"
echo "|---|---|---|---|"
sysctl -qw kernel.bpf_stats_enabled=1
for mode in empty eth_percpu eth_xadd; do
	start_tap "$mode"
	send 1000000 > /dev/null
	name=$(sed -n 's/^ready \([^ ]*\).*/\1/p' "$RES/tap.out")
	insns=$(sed -n 's/^ready [^ ]* \([0-9]*\) insns/\1/p' "$RES/tap.out")
	bpftool prog show name "$name" 2>/dev/null |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk -v m="$name" -v i="$insns" '{ printf "| %s | %s | %d | %.1f |\n", m, i, $2, $1 / $2 }'
	stop_tap
done
sysctl -qw kernel.bpf_stats_enabled=0
