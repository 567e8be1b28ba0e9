#!/usr/bin/env bash
# make bench: what each way of counting costs per frame, on this machine.
#
# A veth pair in two namespaces made here; trafgen, pinned to one CPU, sends
# frames to a destination MAC the receiver does not own (its IP stack drops
# them early, so the tap's share of the cost stands out); the tap under test
# sits on the receiving end.  veth runs the receiver's path in the sender's
# softirq, so the sender's time per frame includes the tap.  For each tap:
#
#   - added ns per frame against no tap: modes in rotating order, ROUNDS
#     rounds, median of the paired differences and their spread, at 64, 512
#     and 1500-byte frames and with 16 flows;
#   - CPU time of all CPUs (/proc/stat) and of the counting process itself
#     (/proc/PID/stat) per frame at RATE frames/s, below saturation;
#   - frames counted against frames sent, and the kernel's drops;
#   - the eBPF programs' own run time (kernel.bpf_stats_enabled), and with
#     --by each key's, with one flow and with random flows past the maps' size.
#
# Writes bench/results/bench.md and bench/results/bench.png.
#   bench/run.sh            as root; ROUNDS, N, RATE from the environment
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-8}
N=${N:-400000}
RATE=${RATE:-100000}
RATE_SECS=${RATE_SECS:-3}
A=pcb$$a
B=pcb$$b
OUT=bench/results
TMP=$(mktemp -d)
MODES=(none empty ebpf-percpu ebpf-wire ebpf-xadd classic pcap tcpdump iftop)
tap_pid=
tap_mode=
tap_extra=()
# where the tap sits: the receiver, but for the transmit series
tap_ns=$B
tap_dev=vb
# trafgen bypasses the qdisc (and so tc's egress hook and the taps on transmit) unless -q
SEND_QDISC=

cleanup() {
	stop_tap
	ip netns del "$A" 2>/dev/null || true
	ip netns del "$B" 2>/dev/null || true
	ip netns del "pcb$$m" 2>/dev/null || true
	sysctl -qw kernel.bpf_stats_enabled=0 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

die() { echo "bench: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (namespaces, packet sockets, bpf)"
for t in trafgen bpftool tcpdump gnuplot taskset iftop; do
	command -v "$t" >/dev/null || die "$t missing (make bench installs it)"
done
[ -x ./pktcount ] && [ -x ./bench/tap ] || die "build first: make pktcount bench/tap"
./pktcount --version | grep -q pcap || die "this pktcount has no pcap mode (libpcap-dev missing)"
mkdir -p "$OUT"

# a tap left behind by anything else skews every figure; our own last one
# is freed after an RCU grace period, so give it a moment
check_no_bpf() {
	local i
	for i in $(seq 50); do
		bpftool prog show 2>/dev/null | grep -qE 'socket_filter|sched_cls' || return 0
		sleep 0.05
	done
	if bpftool prog show 2>/dev/null | grep -qE 'socket_filter|sched_cls'; then
		bpftool prog show | grep -EA2 'socket_filter|sched_cls' >&2
		die "a socket filter or tc program is already loaded: stop whatever loaded it"
	fi
}

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add va mtu 1500 type veth peer name vb netns "$B"
for ns in "$A" "$B"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip -n "$A" link set va up
ip -n "$B" link set vb up

# trafgen config: SIZE bytes of IPv4 UDP to 02:..:99 (not vb); FLOWS source ports
make_cfg() {	# size flows
	local pay=$(( $1 - 42 )) sport
	if [ "$2" -gt 1 ]; then sport="0x10, dinc(0, $(( $2 - 1 )), 1)"; else sport="c16(4096)"; fi
	cat <<CFG
{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x99,  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  c16(0x0800),
  0x45, 0x00, c16($(( $1 - 14 ))), c16(0), c16(0), 64, 17, c16(0), 192, 0, 2, 1, 192, 0, 2, 2,
  $sport, c16(9), c16($(( pay + 8 ))), c16(0), fill(0x00, $pay) }
CFG
}

start_tap() {	# mode
	tap_mode=$1
	: > "$TMP/tap.out"
	: > "$TMP/tap.err"
	case "$1" in
	none) tap_pid=; return ;;
	empty) ip netns exec "$tap_ns" ./bench/tap empty "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	ebpf-percpu) ip netns exec "$tap_ns" ./bench/tap eth_percpu "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	ebpf-xadd) ip netns exec "$tap_ns" ./bench/tap eth_xadd "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	ebpf-wire) ip netns exec "$tap_ns" ./bench/tap eth_wire "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	# the ring sizes the figures were taken with (pktcount's default is smaller)
	classic) ip netns exec "$tap_ns" ./pktcount -m classic --ring-size 4M -j -i 3600 "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	pcap) ip netns exec "$tap_ns" ./pktcount -m pcap --ring-size 8M -j -i 3600 "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	tcpdump) ip netns exec "$tap_ns" tcpdump -i "$tap_dev" -s 96 -w /dev/null > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	# a libpcap per-host (and per-port) tool: the peer of --by
	iftop) ip netns exec "$tap_ns" iftop -t -n -N -P -i "$tap_dev" -s 36000 > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	# pktcount as a user runs it: the socket tap (sock; class0 is the same
	# in the classes series), and tc mode (tcx or clsact)
	sock|class0) ip netns exec "$tap_ns" ./pktcount -m ebpf -j -i 3600 "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	tc) ip netns exec "$tap_ns" ./pktcount -m tc -j -i 3600 "$tap_dev" > "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	# the floor of any tc program: an empty one on a tcx link at the tap's hook
	tc-empty) ip netns exec "$tap_ns" ./bench/tap tc_empty "$tap_dev" "$([ "$tap_dev" = va ] && echo out || echo in)" \
			> "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	# classes: pktcount itself with the 8 typical classes, and 8 tcpdump
	# processes with the same expressions (one socket each)
	class8) ip netns exec "$tap_ns" ./pktcount -m ebpf --classes "$TMP/classes8" -j -i 3600 "$tap_dev" \
			> "$TMP/tap.out" 2> "$TMP/tap.err" & ;;
	tcpdump8)
		tap_extra=()
		while read -r _ expr; do
			ip netns exec "$tap_ns" tcpdump -i "$tap_dev" -s 96 -w /dev/null "$expr" > /dev/null 2>> "$TMP/tap.err" &
			tap_extra+=($!)
		done < "$TMP/classes8"
		sleep 1 ;;
	esac
	tap_pid=$!
	[ "$1" = tcpdump8 ] && { tap_pid=; sleep 0.3; return; }
	for _ in $(seq 200); do	# attached: its socket exists (and for tcpdump, it says so), or it said ready
		grep -q '^ready' "$TMP/tap.out" && break
		if ls -l "/proc/$tap_pid/fd" 2>/dev/null | grep -q socket; then
			[ "$1" != tcpdump ] || grep -q listening "$TMP/tap.err" && break
		fi
		sleep 0.02
	done
	sleep 0.3
}

# Stop with SIGTERM; "counted drops" into $TMP/stopped ("- -" where the tap says nothing)
stop_tap() {
	local pid=$tap_pid p
	echo "- -" > "$TMP/stopped"
	for p in "${tap_extra[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	tap_extra=()
	[ -n "$pid" ] || return 0
	tap_pid=
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	case "$tap_mode" in
	ebpf-percpu|ebpf-xadd|ebpf-wire) echo "$(sed -n 's/^counted //p' "$TMP/tap.out") 0" > "$TMP/stopped" ;;
	classic|pcap|class0|class8|sock|tc)
		tail -n 1 "$TMP/tap.out" | sed 's/,"classes".*//' | tr ',' '\n' | awk -F: '
			/"packets"/ { p += $2 } /"drops"/ { d = $2 } END { print p + 0, d + 0 }' > "$TMP/stopped" ;;
	tcpdump) awk '/received by filter/ { c = $1 } /dropped by kernel/ { d = $1 }
		END { print c + 0, d + 0 }' "$TMP/tap.err" > "$TMP/stopped" ;;
	esac
}

rx_packets() { ip netns exec "$B" cat /proc/net/dev | awk '/vb:/ { print $3 }'; }

send() {	# cfg n [rate] -> ns per frame
	local t0 t1 rate=()
	[ -n "${3:-}" ] && rate=(-b "${3}pps")
	t0=$(date +%s%N)
	ip netns exec "$A" taskset -c 1 trafgen -i "$1" -o va -n "$2" -P 1 -C -Q $SEND_QDISC "${rate[@]}" >/dev/null 2>&1 ||
		die "trafgen failed"
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / $2 ))
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR) print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2); else print "-" }'; }

# One series: ROUNDS rounds of every mode, rotating.  Rows "series round mode ns counted drops rx".
series() {	# name size flows
	local cfg="$TMP/$1.cfg" r i n=${#MODES[@]} mode ns cnt rx0 rx1
	make_cfg "$2" "$3" > "$cfg"
	for r in $(seq 0 $(( ROUNDS - 1 ))); do
		for i in $(seq 0 $(( n - 1 ))); do
			mode=${MODES[$(( (i + r) % n ))]}
			check_no_bpf
			start_tap "$mode"
			rx0=$(rx_packets)
			ns=$(send "$cfg" "$N")
			sleep 0.05
			rx1=$(rx_packets)
			stop_tap
			echo "$1 $r $mode $ns $(cat "$TMP/stopped") $(( rx1 - rx0 ))" >> "$TMP/raw"
		done
		echo "  $1 round $r: $(awk -v s="$1" -v r="$r" '$1 == s && $2 == r { printf "%s %s  ", $3, $4 }' "$TMP/raw")"
	done
}

# CPU per frame at a fixed rate: all CPUs (/proc/stat) and the tap process alone.
cpu_row() {	# mode cfg
	local j0 j1 p0=0 p1=0 frames=$(( RATE * RATE_SECS )) hz
	hz=$(getconf CLK_TCK)
	check_no_bpf
	start_tap "$1"
	j0=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
	[ -n "$tap_pid" ] && p0=$(awk '{ print $14 + $15 }' "/proc/$tap_pid/stat")
	send "$2" "$frames" "$RATE" > /dev/null
	sleep 0.05
	j1=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat)
	[ -n "$tap_pid" ] && p1=$(awk '{ print $14 + $15 }' "/proc/$tap_pid/stat")
	stop_tap
	echo "$1 $(( (j1 - j0) * 1000000000 / hz / frames )) $(( (p1 - p0) * 1000000000 / hz / frames ))" >> "$TMP/cpu"
}

echo "bench: $(uname -r), $(nproc) CPUs, $ROUNDS rounds of $N frames per mode and series"
series 64B 64 1
series 512B 512 1
series 1500B 1500 1
series 64B-16flows 64 16

echo "bench: CPU at $RATE frames/s for ${RATE_SECS} s"
make_cfg 64 1 > "$TMP/cpu.cfg"
for mode in "${MODES[@]}"; do cpu_row "$mode" "$TMP/cpu.cfg"; done

echo "bench: program run time (kernel.bpf_stats_enabled)"
sysctl -qw kernel.bpf_stats_enabled=1
for mode in empty ebpf-percpu ebpf-wire ebpf-xadd; do
	check_no_bpf
	start_tap "$mode"
	send "$TMP/cpu.cfg" 1000000 > /dev/null
	name=$(sed -n 's/^ready \([^ ]*\).*/\1/p' "$TMP/tap.out")
	insns=$(sed -n 's/^ready [^ ]* \([0-9]*\) insns/\1/p' "$TMP/tap.out")
	bpftool prog show name "$name" |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk -v m="$mode" -v i="$insns" '{ printf "%s %s %d %.1f\n", m, i, $2, $1 / $2 }' >> "$TMP/stats"
	stop_tap
done
# Breakdowns (--by): pktcount itself, with one key; with 100,800 flows
# cycling (three counters of coprime periods 64, 63 and 25: about as many
# keys as the default maps hold, so some frames also take the full-map path);
# and with flows from random source ports and addresses (2^24 possible:
# about as many keys as frames, most frames take the full-map path).
cat > "$TMP/rnd.cfg" <<CFG
{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x99,  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  c16(0x0800),
  0x45, 0x00, c16(50), c16(0), c16(0), 64, 17, c16(0), 192, 0, 2, drnd(1), 192, 0, 2, 2,
  drnd(2), c16(9), c16(30), c16(0), fill(0x00, 22) }
CFG
cat > "$TMP/k100.cfg" <<CFG
{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x99,  0x02, 0x00, 0x00, 0x00, 0x00, 0x01,  c16(0x0800),
  0x45, 0x00, c16(50), c16(0), c16(0), 64, 17, c16(0), 192, 0, 2, dinc(0, 63, 1), 192, 0, 2, 2,
  dinc(0, 62, 1), dinc(0, 24, 1), c16(9), c16(30), c16(0), fill(0x00, 22) }
CFG
by_prog() { bpftool prog show 2>/dev/null | sed -n 's/.* name \(pc_[a-z]*_by_[a-z]*\) .*/\1/p' | head -1; }
by_start() {	# key interval [options] -> by_pid, by_name
	local key=$1 iv=$2
	shift 2
	check_no_bpf
	ip netns exec "$B" ./pktcount -m ebpf --by "$key" -j -i "$iv" "$@" vb > "$TMP/by.out" 2> "$TMP/by.err" &
	by_pid=$!
	by_name=
	for _ in $(seq 100); do by_name=$(by_prog); [ -n "$by_name" ] && break; sleep 0.05; done
	[ -n "$by_name" ] || die "pktcount --by $key did not load its program: $(cat "$TMP/by.err")"
}
by_stop() { kill -TERM "$by_pid"; wait "$by_pid" 2>/dev/null || true; }
for run in "host 1" "pair 1" "flow 1" "mac 1" "flow 100k" "flow random"; do
	set -- $run
	by_start "$1" 1
	case "$2" in 1) cfg="$TMP/cpu.cfg" ;; 100k) cfg="$TMP/k100.cfg" ;; *) cfg="$TMP/rnd.cfg" ;; esac
	send "$cfg" 1000000 > /dev/null
	insns=$(bpftool prog show name "$by_name" | sed -n 's/.*xlated \([0-9]*\)B.*/\1/p')
	bpftool prog show name "$by_name" |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk -v m="by-$1-$2" -v i="$(( ${insns:-0} / 8 ))" '{ printf "%s %s %d %.1f\n", m, i, $2, $1 / $2 }' >> "$TMP/stats"
	by_stop
done
# Classes (--class): the counting program's own run time with 0, 1, 8 and
# 32 typical classes, on the 64-byte frames (which few of them match, so
# most classes run to their "no match").
cat > "$TMP/classes32" <<'CLS'
dns udp port 53
web tcp port 80 or tcp port 443
ssh tcp port 22
icmp icmp or icmp6
lan net 10.0.0.0/8
backup host 192.0.2.10
vlan vlan
syn tcp[tcpflags] & tcp-syn != 0
ntp udp port 123
quic udp port 443
ipv6 ip6
arp arp
big greater 1000
small less 100
bcast ether broadcast
mcast ether multicast
frag ip[6:2] & 0x1fff != 0
gre proto 47
esp ip proto 50
sctp sctp
snmp udp port 161 or udp port 162
dhcp udp port 67 or udp port 68
rdp tcp port 3389
mysql tcp port 3306
pg tcp port 5432
redis tcp port 6379
http-alt tcp port 8080
syslog udp port 514
bgp tcp port 179
dnstcp tcp port 53
mail tcp port 25 or tcp port 587 or tcp port 993
high portrange 49152-65535
CLS
head -n 1 "$TMP/classes32" > "$TMP/classes1"
head -n 8 "$TMP/classes32" > "$TMP/classes8"
: > "$TMP/classes0"
for n in 0 1 8 32; do
	check_no_bpf
	ip netns exec "$B" ./pktcount -m ebpf --classes "$TMP/classes$n" -j -i 3600 vb > /dev/null 2> "$TMP/cls.err" &
	cls_pid=$!
	cls_name=
	for _ in $(seq 100); do
		cls_name=$(bpftool prog show 2>/dev/null | sed -n 's/.* name \(pc_eth_[a-z]*\) .*/\1/p' | head -1)
		[ -n "$cls_name" ] && break
		sleep 0.05
	done
	[ -n "$cls_name" ] || die "pktcount with $n classes did not load its program: $(cat "$TMP/cls.err")"
	send "$TMP/cpu.cfg" 1000000 > /dev/null
	insns=$(bpftool prog show name "$cls_name" | sed -n 's/.*xlated \([0-9]*\)B.*/\1/p')
	bpftool prog show name "$cls_name" |
		sed -n 's/.*run_time_ns \([0-9]*\) run_cnt \([0-9]*\).*/\1 \2/p' |
		awk -v m="classes-$n" -v i="$(( ${insns:-0} / 8 ))" '{ printf "%s %s %d %.1f\n", m, i, $2, $1 / $2 }' >> "$TMP/stats"
	kill -TERM "$cls_pid"; wait "$cls_pid" 2>/dev/null || true
done
sysctl -qw kernel.bpf_stats_enabled=0

# 8 classes in pktcount against 8 tcpdump processes with the same
# expressions, on the same traffic: added ns per frame, rotating rounds.
echo "bench: 8 classes against 8 tcpdump processes"
ALL_MODES=("${MODES[@]}")
MODES=(none class0 class8 tcpdump8)
series classes 64 1

# tc mode against the socket tap, each direction on its own: the tap on the
# receiver (rx), then on the sender (tx); trafgen through the qdisc (-q) in
# both, so that tc's egress hook and the taps on transmit
# (dev_queue_xmit_nit(), which clones every frame for a packet socket) run.
echo "bench: tc against the socket tap, rx and tx"
MODES=(none empty sock tc-empty tc tcpdump)
SEND_QDISC=-q
series rx 64 1
tap_ns=$A
tap_dev=va
series tx 64 1
tap_ns=$B
tap_dev=vb
SEND_QDISC=
MODES=("${ALL_MODES[@]}")

# The CPU of pktcount itself per interval with the entry maps full: random
# flows at READ_RATE frames/s, far more keys an interval than the maps
# hold, --top 10 so that the read (flip, grace, drain, fold), not the
# printing of every entry, is what is measured.
READ_RATE=${READ_RATE:-300000}
READ_SECS=${READ_SECS:-6}
echo "bench: --by flow, one interval's read with the maps full ($READ_RATE frames/s of random flows)"
by_start flow 1 --top 10 -v
sleep 1
# CPU time in ns (the scheduler's, not clock ticks: an interval's read is a few ms)
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
t0=$(cpu_ns "$by_pid")
n0=$(grep -c '"counts"' "$TMP/by.out" || true)
send "$TMP/rnd.cfg" $(( READ_RATE * READ_SECS )) "$READ_RATE" > /dev/null
t1=$(cpu_ns "$by_pid")
n1=$(grep -c '"counts"' "$TMP/by.out" || true)
keys=$(grep -o 'two [A-Z_]* maps of [0-9]* keys, about [0-9]* KiB' "$TMP/by.err" | head -1)
by_stop
full=$(tail -n +$(( n0 + 1 )) "$TMP/by.out" | head -n $(( n1 - n0 )) | grep -c '"overflow":[1-9]' || true)
echo "read $(( n1 - n0 )) $full $(( (t1 - t0) / 1000 / (n1 - n0 > 0 ? n1 - n0 : 1) ))" > "$TMP/read"
echo "  $(( n1 - n0 )) intervals ($full with the maps full), $(( (t1 - t0) / 1000000 )) ms of CPU; $keys" >&2

# The protocol key on 1,000 interfaces: 500 veth pairs in a namespace of
# their own, pktcount -a at 1 s intervals, its CPU over IFACE_SECS.
IFACE_SECS=${IFACE_SECS:-10}
M=pcb$$m
echo "bench: the protocol key on 1,000 interfaces"
ip netns add "$M"
for i in $(seq 500); do echo "link add m${i}a type veth peer name m${i}b"; done | ip -n "$M" -batch -
for i in $(seq 500); do echo "link set m${i}a up"; echo "link set m${i}b up"; done | ip -n "$M" -batch -
ip netns exec "$M" ./pktcount -m ebpf -a -j -i 1 > /dev/null 2> "$TMP/many.err" &
many_pid=$!
for _ in $(seq 600); do
	[ "$(ls -l "/proc/$many_pid/fd" 2>/dev/null | grep -c socket)" -ge 1001 ] && break
	sleep 0.1
done
taps=$(( $(ls -l "/proc/$many_pid/fd" | grep -c socket) - 1 ))	# less the netlink socket
sleep 2
t0=$(cpu_ns "$many_pid")
sleep "$IFACE_SECS"
t1=$(cpu_ns "$many_pid")
kill -TERM "$many_pid"
wait "$many_pid" 2>/dev/null || true
ip netns del "$M"
echo "many $taps $(( (t1 - t0) / 1000 / IFACE_SECS ))" > "$TMP/many"

# ---- the report ----
added() {	# series mode -> "median lo hi"
	awk -v s="$1" -v m="$2" '$1 == s && $3 == "none" { b[$2] = $4 } $1 == s && $3 == m { v[$2] = $4 }
		END { for (r in v) print v[r] - b[r] }' "$TMP/raw" | sort -n | awk '
		{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2); print m, a[1], a[NR] }'
}
abs() { awk -v s="$1" -v m="$2" '$1 == s && $3 == m { print $4 }' "$TMP/raw" | median; }
counted() {	# series mode -> "counted/sent, drops" over all rounds
	awk -v s="$1" -v m="$2" -v n="$N" '$1 == s && $3 == m {
			if ($5 == "-") { na = 1 } else { c += $5; d += $6 } sent += n; rx += $7 }
		END { if (na) printf "- (rx %d/%d)", rx, sent; else printf "%d/%d, %d drops", c, sent, d }' "$TMP/raw"
}

MD="$OUT/bench.md"
{
	echo "# pktcount benchmark"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(uname -srm); $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')."
	echo "veth pair in two namespaces, trafgen on CPU 1 to a foreign MAC, the tap on the receiver;"
	echo "$ROUNDS rounds of $N frames per mode, modes rotating; medians of paired differences against no tap."
	for s in 64B 512B 1500B 64B-16flows; do
		echo
		echo "## $s frames"
		echo
		echo "| tap | ns/frame | added ns/frame, median | spread | counted/sent, drops |"
		echo "|---|---|---|---|---|"
		for m in "${MODES[@]}"; do
			read -r med lo hi <<< "$(added "$s" "$m")"
			printf "| %s | %s | %+d | %+d..%+d | %s |\n" "$m" "$(abs "$s" "$m")" "$med" "$lo" "$hi" "$(counted "$s" "$m")"
		done
	done
	echo
	echo "## CPU at $RATE frames/s (64 B)"
	echo
	echo "| tap | all CPUs, ns/frame | counting process, ns/frame |"
	echo "|---|---|---|"
	awk '{ printf "| %s | %d | %s |\n", $1, $2, $1 == "none" ? "-" : $3 }' "$TMP/cpu"
	echo
	echo "## eBPF programs' own run time (kernel.bpf_stats_enabled, 1,000,000 frames)"
	echo
	echo "| program | insns | runs | ns/run | above the empty program |"
	echo "|---|---|---|---|---|"
	awk 'NR == 1 { e = $4 } { printf "| %s | %s | %d | %.1f | %+.1f |\n", $1, $2, $3, $4, $4 - e }' "$TMP/stats"
	echo
	echo "## Classes: 8 in pktcount against 8 tcpdump processes (64 B frames)"
	echo
	echo "The 8: $(awk '{ $1 = ""; printf "%s\140%s\140", (NR > 1 ? ", " : ""), substr($0, 2) }' "$TMP/classes8")."
	echo
	echo "| tap | ns/frame | added ns/frame, median | spread | counted/sent, drops |"
	echo "|---|---|---|---|---|"
	for m in none class0 class8 tcpdump8; do
		read -r med lo hi <<< "$(added classes "$m")"
		printf "| %s | %s | %+d | %+d..%+d | %s |\n" "$m" "$(abs classes "$m")" "$med" "$lo" "$hi" "$(counted classes "$m")"
	done
	echo
	echo "## tc mode against the socket tap (64 B, trafgen through the qdisc)"
	echo
	echo "rx: the tap on the receiving end; tx: on the sending end.  sock is \`pktcount -m ebpf\`,"
	echo "tc \`pktcount -m tc\` ($(uname -r | awk -F. '{ print ($1 > 6 || ($1 == 6 && $2 >= 6)) ? "tcx links" : "a clsact filter" }')); empty and tc-empty"
	echo "are the floors: an empty socket filter, and an empty program on a tcx link at the same hook."
	echo
	echo "| direction | tap | ns/frame | added ns/frame, median | spread | counted/sent, drops |"
	echo "|---|---|---|---|---|---|"
	for s in rx tx; do
		for m in none empty sock tc-empty tc tcpdump; do
			read -r med lo hi <<< "$(added "$s" "$m")"
			printf "| %s | %s | %s | %+d | %+d..%+d | %s |\n" "$s" "$m" "$(abs "$s" "$m")" "$med" "$lo" "$hi" \
				"$(counted "$s" "$m")"
		done
	done
	echo
	echo "## --by flow: one interval's read with the entry maps full"
	echo
	read -r _ nread nfull readus < "$TMP/read"
	echo "pktcount's own CPU (/proc/PID/schedstat) per 1 s interval, --top 10, $READ_RATE frames/s of random flows:"
	echo "$(awk -v u="$readus" 'BEGIN { printf "%.1f", u / 1000 }') ms over $nread intervals ($nfull with the maps full; $keys)."
	echo
	echo "## Targets"
	echo
	read -r eb _ _ <<< "$(added 64B ebpf-percpu)"
	read -r pc _ _ <<< "$(added 64B pcap)"
	read -r cl _ _ <<< "$(added 64B classic)"
	own=$(awk 'NR == 1 { e = $4 } $1 == "ebpf-percpu" { printf "%.1f", $4 - e }' "$TMP/stats")
	proc=$(awk '$1 == "ebpf-percpu" { print $3 }' "$TMP/cpu")
	verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "**missed**"; fi; }
	echo "| target | measured | |"
	echo "|---|---|---|"
	echo "| eBPF program's own cost <= 60 ns above the empty program | $own ns | $(verdict "$(awk -v o="$own" 'BEGIN { print (o <= 60) }')") |"
	echo "| eBPF tap adds <= 100 ns per frame | $eb ns | $(verdict "$(( eb <= 100 ))") |"
	for f in 1 100k; do
		flow=$(awk -v m="by-flow-$f" 'NR == 1 { e = $4 } $1 == m { printf "%.1f", $4 - e }' "$TMP/stats")
		echo "| --by flow program's own cost <= 100 ns per frame ($f active) | $flow ns | $(verdict "$(awk -v f="$flow" 'BEGIN { print (f <= 100) }')") |"
	done
	read -r _ taps many < "$TMP/many"
	echo "| the protocol key on 1,000 interfaces: <= 10 ms CPU per 1 s interval | $taps taps, $(awk -v u="$many" 'BEGIN { printf "%.1f", u / 1000 }') ms | $(verdict "$(( many <= 10000 ))") |"
	wire=$(awk '$1 == "ebpf-percpu" { p = $4 } $1 == "ebpf-wire" { w = $4 } END { printf "%.1f", w - p }' "$TMP/stats")
	echo "| wire units cost <= 10 ns per frame above skb units (own run time) | $wire ns | $(verdict "$(awk -v w="$wire" 'BEGIN { print (w <= 10) }')") |"
	echo "| eBPF tap adds <= 1/4 of what pcap adds | $eb vs $pc/4 = $(( pc / 4 )) ns | $(verdict "$(( eb * 4 <= pc ))") |"
	echo "| classic no more expensive than pcap | $cl vs $pc ns | $(verdict "$(( cl <= pc ))") |"
	echo "| every frame counted, no drops (eBPF, 64 B) | $(counted 64B ebpf-percpu) | $(verdict "$(counted 64B ebpf-percpu | awk -F'[/, ]' '{ print ($1 == $2 && $4 == 0) }')") |"
	echo "| counting process CPU in eBPF mode | $proc ns/frame | $(verdict "$(( proc <= 5 ))") |"
	c8=$(awk 'NR == 1 { e = $4 } $1 == "classes-8" { printf "%.1f", $4 - e }' "$TMP/stats")
	echo "| 8 typical classes: program's own cost <= 150 ns above the empty program | $c8 ns | $(verdict "$(awk -v c="$c8" 'BEGIN { print (c <= 150) }')") |"
	read -r k8 _ _ <<< "$(added classes class8)"
	read -r t8 _ _ <<< "$(added classes tcpdump8)"
	echo "| 8 classes in pktcount add less than 8 tcpdump processes | $k8 vs $t8 ns | $(verdict "$(( k8 < t8 ))") |"
	read -r stx _ _ <<< "$(added tx sock)"
	read -r ttx _ _ <<< "$(added tx tc)"
	read -r dtx _ _ <<< "$(added tx tcpdump)"
	read -r srx _ _ <<< "$(added rx sock)"
	read -r trx _ _ <<< "$(added rx tc)"
	read -r drx _ _ <<< "$(added rx tcpdump)"
	echo "| tc adds <= 1/3 of the socket tap on transmit | $ttx vs $stx/3 = $(( stx / 3 )) ns | $(verdict "$(( ttx * 3 <= stx ))") |"
	echo "| tc adds no more than the socket tap on receive | $trx vs $srx ns | $(verdict "$(( trx <= srx ))") |"
	echo "| tc adds <= 1/6 of tcpdump (tx, rx) | $ttx vs $(( dtx / 6 )), $trx vs $(( drx / 6 )) ns | $(verdict "$(( ttx * 6 <= dtx && trx * 6 <= drx ))") |"
} > "$MD"

# chart: added ns per frame, per series and mode
for s in 64B 512B 1500B 64B-16flows; do
	for m in "${MODES[@]}"; do
		[ "$m" = none ] && continue
		read -r med _ _ <<< "$(added "$s" "$m")"
		echo "$s $m $med"
	done
done > "$TMP/chart.dat"
gnuplot <<GP
set terminal pngcairo size 1000,520 font ",10"
set output "$OUT/bench.png"
set title "pktcount: added ns per frame against no tap (median of $ROUNDS rounds), $(uname -r)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "ns per frame"
set grid ytics
set key outside right
set xtics nomirror
plot for [m in "empty ebpf-percpu ebpf-xadd classic pcap tcpdump"] \
	"< awk -v m=" . m . " '\$2 == m' $TMP/chart.dat" using 3:xtic(1) title m
GP
cat "$MD"
echo
echo "bench: wrote $MD and $OUT/bench.png"
