#!/usr/bin/env bash
# make scale: pktcount -a on many interfaces, every mode.
#
# PAIRS veth pairs (2 x PAIRS interfaces, default 1,000) in one namespace
# made here.  For each mode:
#   - start to every tap counting: until the first interval record of each;
#   - idle CPU: pktcount's own time on a CPU over IDLE intervals of 1 s,
#     per interval (/proc/PID/schedstat);
#   - re-attach: SIGSTOP, CHURN interfaces (CHURN/2 pairs) deleted and made
#     again, FRAMES sent on each new pair, SIGCONT; from SIGCONT to the last
#     "attached" event, and the frames sent after it counted exactly;
#   - exit: SIGTERM to the process gone (its totals printed first).
# Every count is checked: counted plus the kernel's drops equal what was sent.
#
# Writes bench/results/scale.md.   bench/scale.sh  as root; PAIRS, CHURN, IDLE,
# MODES from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-500}
CHURN=${CHURN:-150}
IDLE=${IDLE:-10}
FRAMES=${FRAMES:-10}
MODES=${MODES:-ebpf classic pcap tc tc:tcx}
PKTCOUNT=${PKTCOUNT:-./pktcount}
NS=pcs$$
OUT=bench/results
TMP=$(mktemp -d)
pid=

cleanup() {
	[ -z "$pid" ] || kill -9 "$pid" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
die() { echo "scale: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (namespaces, packet sockets, bpf)"
[ -x "$PKTCOUNT" ] || die "build first: make pktcount"
command -v mausezahn >/dev/null || die "mausezahn missing (make scale installs netsniff-ng)"
mkdir -p "$OUT"
ncpu=$(nproc)

now() { date +%s.%N; }
# lines of FILE matching PATTERN, at least N, within MAX seconds
wait_lines() {
	local file=$1 pat=$2 n=$3 max=$4 t0 c
	t0=$(now)
	while :; do
		c=$(grep -c -- "$pat" "$file" || true)
		[ "$c" -ge "$n" ] && return 0
		kill -0 "$pid" 2>/dev/null || die "pktcount exited: $(tail -3 "$TMP/err")"
		awk -v a="$t0" -v b="$(now)" -v m="$max" 'BEGIN { exit !(b - a > m) }' && return 1
		sleep 0.02
	done
}
# nanoseconds on a CPU (the scheduler's own sum: ticks of 10 ms are too coarse for an idle loop);
# while idle pktcount is one thread, so the main thread's is the process's
cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }

pairs_make() {	# pairs from $1 to $2: sa<i> (sender) and ra<i>, up
	local i
	for ((i = $1; i <= $2; i++)); do
		echo "link add sa$i type veth peer name ra$i"
	done >"$TMP/add"
	ip -n "$NS" -batch "$TMP/add"
	for ((i = $1; i <= $2; i++)); do
		echo "link set sa$i up"
		echo "link set ra$i up"
	done >"$TMP/up"
	ip -n "$NS" -batch "$TMP/up"
}
pairs_del() {
	local i
	for ((i = $1; i <= $2; i++)); do echo "link del sa$i"; done >"$TMP/del"
	ip -n "$NS" -batch "$TMP/del"
}
# FRAMES broadcast frames from sa<i> for i in $1..$2 (each counted on sa<i> tx and ra<i> rx)
send_pairs() {
	local i
	for ((i = $1; i <= $2; i++)); do
		ip netns exec "$NS" mausezahn -q sa$i -c "$FRAMES" -a 02:00:00:00:00:01 -b ff:ff:ff:ff:ff:ff \
			-t udp "sp=1,dp=9" -p 60 2>/dev/null
	done
}

ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
pairs_make 1 "$PAIRS"
nif=$((2 * PAIRS + 1))	# and lo

{
	echo "# pktcount -a at scale ($(date -u +%Y-%m-%d), $(uname -r), $ncpu CPUs)"
	echo
	echo "$((2 * PAIRS)) veth interfaces and lo in one namespace; $CHURN of them deleted and made again"
	echo "while pktcount was stopped; bench/scale.sh."
	echo
	echo "| mode | start | idle CPU per 1 s interval | SIGCONT to the last re-attach | SIGTERM to exit | frames after re-attach (counted / sent) |"
	echo "|---|---|---|---|---|---|"
} >"$TMP/md"

half=$((CHURN / 2))
for row in $MODES; do
	# a row: a mode, or tc:ATTACH for tc mode with --tc-attach ATTACH
	mode=${row%%:*}
	args=(-m "$mode")
	[ "$row" = "$mode" ] || args+=(--tc-attach "${row#*:}")
	"$PKTCOUNT" --version | grep -q "modes:.*\b$mode\b" || { echo "scale: $mode not built in: skipped"; continue; }
	: >"$TMP/out"; : >"$TMP/err"
	t0=$(now)
	ip netns exec "$NS" "$PKTCOUNT" -a -j -i 1 "${args[@]}" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	wait_lines "$TMP/out" '"type":"interval"' "$nif" 300 || die "$mode: not every tap counted within 300 s"
	t_start=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }')
	# idle: whole intervals only
	n0=$(grep -c '"type":"interval"' "$TMP/out")
	wait_lines "$TMP/out" '"type":"interval"' $((n0 + nif)) 10 || true
	c0=$(cpu_ns "$pid")
	n0=$(grep -c '"type":"interval"' "$TMP/out")
	wait_lines "$TMP/out" '"type":"interval"' $((n0 + IDLE * nif)) $((IDLE * 4)) || die "$mode: intervals stalled"
	c1=$(cpu_ns "$pid")
	idle_ms=$(awk -v d=$((c1 - c0)) -v n="$IDLE" 'BEGIN { printf "%.1f ms", d / 1e6 / n }')
	# churn while stopped
	kill -STOP "$pid"
	pairs_del 1 "$half"
	pairs_make 1 "$half"
	send_pairs 1 "$half"
	na=$(grep -c '"event":"attached"' "$TMP/out" || true)
	t0=$(now)
	kill -CONT "$pid"
	wait_lines "$TMP/out" '"event":"attached"' $((na + CHURN)) 120 || die "$mode: $CHURN re-attached not seen"
	t_att=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }')
	send_pairs 1 "$half"
	# everything sent has reached the taps once the receivers' counters say so
	t0=$(now)
	kill -TERM "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
	t_exit=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.2f s", b - a }')
	wait "$pid" || die "$mode: exit $?: $(tail -3 "$TMP/err")"
	pid=
	# the re-made pairs' totals: what was sent after the re-attach (the frames sent while
	# stopped reached interfaces no tap was bound to yet), every frame on sa<i> tx and ra<i> rx
	got=$(python3 - "$TMP/out" "$half" <<-'EOF'
	import json, sys
	tot = {}
	for line in open(sys.argv[1]):
	    r = json.loads(line)
	    if r.get("type") == "total":
	        tot[r["iface"]] = r
	n = int(sys.argv[2]); frames = 0; drops = 0
	for i in range(1, n + 1):
	    for name, d in (("sa%d" % i, "tx"), ("ra%d" % i, "rx")):
	        r = tot.get(name, {})
	        frames += sum(c["packets"] for c in r.get("counts", []) if c["dir"] == d)
	        drops += r.get("drops", 0)
	print(frames, drops)
	EOF
	)
	set -- $got
	sent=$((2 * half * FRAMES))
	echo "| $row | $t_start | $idle_ms | $t_att | $t_exit | $1 + $2 dropped / $sent |" >>"$TMP/md"
	echo "scale: $row: start $t_start, idle $idle_ms, re-attach $t_att, exit $t_exit, counted $1 + $2 dropped of $sent"
done
cp "$TMP/md" "$OUT/scale.md"
cat "$OUT/scale.md"
