#!/bin/sh
# Run a command with no privileges: as it is when not root; from root, as
# nobody (util-linux's setpriv, no supplementary groups, no new privileges
# by setuid or file capabilities), so that a unit test that comes to need
# root fails instead of passing because make ran as root.
#
#   sh tests/unprivileged.sh ./tests/pktcount-unit --verbose
#
# The command runs here, in the tree.  Where nobody cannot reach the tree
# (a checkout under /root or another 0700 directory), it runs in a copy of
# it under /tmp, without build/ and .git, removed afterwards.
set -eu

if [ "$(id -u)" != 0 ]; then
	exec "$@"
fi
command -v setpriv >/dev/null || { echo "unprivileged.sh: setpriv missing (Debian package util-linux)" >&2; exit 1; }
nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups --no-new-privs"
# nobody's own home: tools (dpkg) read their user's configuration there
HOME=$(getent passwd nobody | cut -d: -f6)
export HOME

# the tree, and the command when it is a file in it
reachable() {
	$nobody test -r "$PWD" -a -x "$PWD" 2>/dev/null || return 1
	case $1 in */*) $nobody test -x "$PWD/$1" 2>/dev/null ;; esac
}
if reachable "$1"; then
	exec $nobody "$@"
fi

copy=$(mktemp -d /tmp/pktcount-unprivileged-XXXXXX)
trap 'rm -rf "$copy"' EXIT
trap 'exit 130' INT TERM
echo "unprivileged.sh: nobody cannot reach $PWD: running in a copy, $copy" >&2
tar --exclude=./build --exclude=./.git -cf - . | tar -C "$copy" -xf -
chmod -R a+rX "$copy"
cd "$copy"
$nobody "$@"
