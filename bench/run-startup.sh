#!/usr/bin/env bash
# peel run startup, cold (the image unpacked into an empty cache) and warm (the tree cached), for the static and
# java17 presets (amd64, built once from a fresh lock), next to podman run where podman works here, else next
# to unshare + chroot by hand (cold: tar -x of each layer into a fresh folder, then the same run).
# The command is `true`: the host's static busybox bound into the container (neither image has a `true`), so
# only the start and the end of a container are timed. Median of 5 runs; times are wall clock seconds.
# usage: bench/run-startup.sh        (needs bubblewrap, util-linux's unshare, busybox-static)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for t in bwrap unshare busybox; do
  command -v "$t" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux busybox-static >/dev/null; break; }
done
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
"$root/peel" --version >/dev/null
work="$(mktemp -d)"; trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
bb=$(command -v busybox)
for p in static java17; do
  "$root/peel" -q build --cache "$work/build-cache" "$p" --arch amd64 -o "$work/$p" >/dev/null
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() { # PREP CMD...: median wall seconds of CMD over 5 runs, PREP (untimed) before each
  local prep=$1; shift
  for i in 1 2 3 4 5; do
    eval "$prep"
    /usr/bin/time -f '%e' -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    cat "$work/t"
  done | median
}

# By hand: the layers untarred (gzip) into a folder, then a user+mount+pid namespace and chroot.
untar() { # LAYOUT DIR
  rm -rf "$2"; mkdir -p "$2"
  python3 - "$1" <<'EOF' | while read -r b; do tar -xzf "$1/blobs/sha256/$b" -C "$2" --no-same-owner 2>/dev/null || true; done
import json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
m = idx["manifests"][0]["digest"].split(":")[1]
man = json.load(open(d + "/blobs/sha256/" + m))
if "manifests" in man:
    man = json.load(open(d + "/blobs/sha256/" + man["manifests"][0]["digest"].split(":")[1]))
for l in man["layers"]:
    print(l["digest"].split(":")[1])
EOF
  touch "$2/busybox"
}
byhand() { # DIR
  unshare --user --map-root-user --mount --pid --fork sh -c 'mount --bind "$1" "$2/busybox" && exec chroot "$2" /busybox true' sh "$bb" "$1"
}
export -f untar byhand; export bb work

podman_ok=no
if command -v podman >/dev/null && podman run --rm "oci:$work/static" true >/dev/null 2>&1; then podman_ok=yes; fi

echo "| image | peel run cold | peel run warm | $([ $podman_ok = yes ] && echo 'podman run cold | podman run warm' || echo 'unshare + chroot by hand, cold (untar) | by hand, warm') |"
echo "|---|---|---|---|---|"
for p in static java17; do
  pc=$(timed 'rm -rf "$work/cache"' "$root/peel" -q --cache "$work/cache" run -v "$bb:/busybox:ro" "$work/$p" -- /busybox true)
  pw=$(timed ':' "$root/peel" -q --cache "$work/cache" run -v "$bb:/busybox:ro" "$work/$p" -- /busybox true)
  if [ $podman_ok = yes ]; then
    oc=$(timed 'podman rmi -af >/dev/null 2>&1 || true' podman run --rm -v "$bb:/busybox:ro" "oci:$work/$p" /busybox true)
    ow=$(timed ':' podman run --rm -v "$bb:/busybox:ro" "oci:$work/$p" /busybox true)
  else
    oc=$(timed ':' bash -c "untar '$work/$p' '$work/byhand-$p' && byhand '$work/byhand-$p'")
    ow=$(timed ':' bash -c "byhand '$work/byhand-$p'")
  fi
  echo "| $p (amd64) | $pc | $pw | $oc | $ow |"
done
