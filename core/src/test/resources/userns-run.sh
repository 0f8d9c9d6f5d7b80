#!/bin/sh
# Runs a command inside an unpacked rootfs, in a new user namespace, as a given uid:gid.
# usage: userns-run.sh ROOTFS UID:GID CMD [ARG...]   (environment: passed as is)
# `unshare -r` maps only root; to run as another user without newuidmap and /etc/subuid, the parent (root)
# writes an identity map for ids 0-65535 itself while the child waits on a fifo, then the child chroots.
set -eu
rootfs=$1; spec=$2; shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/go"
unshare --user sh -c 'read _ < "$1"; u=$2; r=$3; shift 3; exec chroot --userspec="$u" --groups="${u#*:}" "$r" "$@"' \
  sh "$dir/go" "$spec" "$rootfs" "$@" &
pid=$!
# Wait (bounded) until the child is in its new user namespace.
i=0
while [ "$(readlink /proc/$pid/ns/user 2>/dev/null)" = "$(readlink /proc/self/ns/user)" ]; do
  i=$((i + 1)); [ $i -gt 500 ] && { kill $pid; echo "userns-run: child did not unshare" >&2; exit 125; }
  sleep 0.01
done
echo '0 0 65536' > /proc/$pid/uid_map
echo '0 0 65536' > /proc/$pid/gid_map
echo go > "$dir/go"
wait $pid
