#!/usr/bin/env bash
# Real traffic for tests/live/test_classdiff.c: the captures of Wireshark's own
# test suite (test/captures/ in its source), from Debian's wireshark source
# package (apt-get source --download-only; apt checks the archive against
# the archive's signed index), the Ethernet ones written as plain pcap into
# build/captures once.  A later run finds build/captures/SOURCE and fetches
# nothing.  Nothing here is committed: the files stay in build/.
#
# Why this package: no binary package of Debian 12 ships sample captures,
# and of the source packages that carry some, wireshark's (47 MB, of which
# the captures are 4 MB) has the widest mix (DNS, DHCP, NTP, ICMP, ICMPv6,
# IPv6, SCTP, IKE, QUIC, TLS, multicast, frames past 9000 bytes).
# tcpflow's (0.9 MB) is smaller but TCP and HTTP only; scapy's and
# tcpreplay's could not be had from the mirror when this was written.
#
# apt-get source needs deb-src lines.  Rather than add one to /etc/apt,
# this makes a private apt state in build/: the system's own Debian
# entries (sources.list and sources.list.d, one-line or deb822), turned
# into deb-src, with their own lists and cache.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${CAPTURES:-build/captures}
PKG=wireshark
[ -s "$OUT/SOURCE" ] && exit 0
command -v tcpdump >/dev/null || { echo "captures: tcpdump is needed (make deps-test installs it)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "captures: apt-get source runs as root here (make deps-test)" >&2; exit 1; }

work=$PWD/build/captures-src
rm -rf "$work" "$OUT"
mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/parts" "$work/dl"
# deb-src for every Debian entry the system has (not other vendors': they
# may have no sources, and their errors would hide ours)
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[[:space:]]*deb\([[:space:]].*debian.*\)$/deb-src\1/p' "$f"
done > "$work/apt/parts/src.list"
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	# deb822: stanzas are separated by blank lines; keep those of Debian's archives
	awk 'BEGIN { RS = ""; ORS = "\n\n" }
	     /URIs:[^\n]*debian/ && /Types:[^\n]*deb/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f"
done > "$work/apt/parts/src.sources"
[ -s "$work/apt/parts/src.list" ] || [ -s "$work/apt/parts/src.sources" ] ||
	{ echo "captures: no Debian archive in /etc/apt to take sources from" >&2; exit 1; }
apt=(apt-get -q -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$work/apt/parts"
     -o Dir::State::Lists="$work/apt/lists" -o Dir::Cache="$work/apt/cache" -o APT::Sandbox::User=root)
# A mirror in the middle of a sync fails now and then: three tries, then what apt said
for try in 1 2 3; do
	err=$("${apt[@]}" update 2>&1 >/dev/null) &&
		err=$(cd "$work/dl" && "${apt[@]}" source --download-only "$PKG" 2>&1 >/dev/null) && break
	[ "$try" = 3 ] && { echo "captures: apt-get source $PKG failed: $(tail -2 <<<"$err")" >&2; exit 1; }
	echo "captures: apt-get source $PKG: $(tail -1 <<<"$err"): trying again" >&2
	sleep 5
done
orig=$(ls "$work"/dl/"$PKG"_*.orig.tar.* | grep -v '\.asc$' | head -1)
version=$(basename "$(ls "$work"/dl/"$PKG"_*.dsc | head -1)" .dsc)
echo "  CAPTURES $(basename "$orig"): test/captures"
tar -xf "$orig" -C "$work" --wildcards '*/test/captures/*'

# Ethernet captures only (the test sends them on a veth pair), as plain
# pcap: tcpdump reads pcapng and writes pcap; a gzip'ed one is unpacked.
mkdir -p "$OUT.new"
n=0
for f in "$work"/*/test/captures/*; do
	name=$(basename "$f")
	case "$name" in
	*.gz) zcat "$f" > "$work/in" 2>/dev/null || continue; name=${name%.gz} ;;
	*.pcap | *.pcapng | *.cap) cp "$f" "$work/in" ;;
	*) continue ;;
	esac
	tcpdump -r "$work/in" -c 1 -w /dev/null 2>&1 | grep -q 'link-type EN10MB ' || continue
	# dhcp.pcap and dhcp.pcapng both: dhcp.pcap and dhcp-ng.pcap
	out=$OUT.new/$(sed 's/\.pcapng$/-ng/; s/\.pcap$//; s/\.cap$//' <<<"$name").pcap
	tcpdump -r "$work/in" -w "$out" 2>/dev/null || { rm -f "$out"; continue; }
	# a header and no record: nothing to send
	[ "$(stat -c %s "$out")" -gt 24 ] || { rm -f "$out"; continue; }
	n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "captures: no Ethernet capture in $(basename "$orig")" >&2; exit 1; }
echo "$version (Debian source package $PKG, test/captures): $n Ethernet captures" > "$OUT.new/SOURCE"
mv "$OUT.new" "$OUT"
rm -rf "$work"
echo "  CAPTURES $OUT: $n captures, $(du -sh "$OUT" | cut -f1)"
