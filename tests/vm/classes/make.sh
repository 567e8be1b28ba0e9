#!/bin/sh
# The classes of the vm test's class run, as tcpdump -dd writes them for a
# live Ethernet device (lo), so the static binary, which has no libpcap,
# takes them as --class NAME=@FILE; and the optmem run's: those and sets of
# eight IPv6 hosts that match nothing, four (optmem.txt) or seven before
# 4.13 (optmem-4.1.txt; tests/vm/vmtest.c says why).  Run from the project
# root, as root:
#   sh tests/vm/classes/make.sh
set -e
cd "$(dirname "$0")"
dd() { tcpdump -i lo -dd "$2" > "$1.dd"; }
dd udp 'udp'
dd ip6 'ip6'
dd arp 'arp'
dd vlan10 'vlan 10'
dd icmp 'icmp'
hosts() {	# the eight hosts of set $1
	i=1 s=
	while [ $i -le 8 ]; do s="$s${s:+ or }host 2001:db8::$(($1 * 10 + i))"; i=$((i + 1)); done
	echo "$s"
}
cp classes.txt optmem.txt
cp classes.txt optmem-4.1.txt
for k in 0 1 2 3 4 5 6; do
	dd "v6h$k" "$(hosts $k)"
	[ $k -ge 4 ] || echo "v6h$k @/classes/v6h$k.dd" >> optmem.txt
	echo "v6h$k @/classes/v6h$k.dd" >> optmem-4.1.txt
done
