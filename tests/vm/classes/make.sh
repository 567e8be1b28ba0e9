#!/bin/sh
# The classes of the vm test's class run, as tcpdump -dd writes them for a
# live Ethernet device (lo), so the static binary, which has no libpcap,
# takes them as --class NAME=@FILE.  Run from the project root, as root:
#   sh tests/vm/classes/make.sh
set -e
cd "$(dirname "$0")"
dd() { tcpdump -i lo -dd "$2" > "$1.dd"; }
dd udp 'udp'
dd ip6 'ip6'
dd arp 'arp'
dd vlan10 'vlan 10'
dd icmp 'icmp'
