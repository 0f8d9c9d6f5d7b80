#!/bin/bash
# Runs a command inside an unpacked rootfs, in a new user namespace, as a given user, the way a runtime
# starts a container from the image's config.
# usage: userns-run.sh ROOTFS UID:GID CWD [NAME=VALUE...] -- CMD [ARG...]
# `unshare -r` maps only root; to run as another user without newuidmap and /etc/subuid, this script
# (run as root) writes an identity map for ids 0-65535 itself while the child waits on a fifo; the child
# then chroots, changes to CWD, drops to UID:GID and execs CMD with exactly the given environment.
set -euo pipefail
rootfs=$1; user=$2; cwd=$3; shift 3
envs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
[ $# -gt 0 ] && shift
unshare=$(command -v unshare)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/go"
"$unshare" --user /bin/bash -c 'read -r _ < "$1"; shift; exec "$@"' _ "$dir/go" \
  env -i "${envs[@]}" "$unshare" --root="$rootfs" --wd="$cwd" --setgid="${user#*:}" --setuid="${user%%:*}" -- "$@" &
pid=$!
i=0
while [ "$(readlink /proc/$pid/ns/user 2>/dev/null)" = "$(readlink /proc/self/ns/user)" ]; do
  i=$((i + 1)); [ $i -gt 500 ] && { kill $pid; echo "userns-run: child did not unshare" >&2; exit 125; }
  sleep 0.01
done
echo '0 0 65536' > /proc/$pid/uid_map
echo '0 0 65536' > /proc/$pid/gid_map
echo go > "$dir/go"
wait $pid
