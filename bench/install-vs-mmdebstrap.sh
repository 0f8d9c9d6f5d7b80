#!/usr/bin/env bash
# peel build of a Debian package set vs mmdebstrap (--variant=extract) + umoci on the same packages,
# mirror and suites, in one run; 3 runs each, median wall time and peak RSS.
#   peel cold: empty cache (the lock is present: what CI and release builds do); "no lock" also resolves
#              (fetches, verifies and parses the Packages indexes) first.
#   peel warm: everything cached; the layers are checked (re-hashed) and copied into a new layout.
#   mmdebstrap cold: empty apt archive cache (it always runs apt update); warm: .debs cached.
# usage: bench/install-vs-mmdebstrap.sh [PACKAGE...]   (needs root for mmdebstrap --mode=root)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkgs=("$@"); [ ${#pkgs[@]} -eq 0 ] && pkgs=(base-files netbase tzdata ca-certificates libc6 libssl3 busybox-static)
command -v mmdebstrap >/dev/null && command -v umoci >/dev/null && [ -x /usr/bin/time ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap umoci time >/dev/null; }
"$root/peel" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
list=$(IFS=,; echo "${pkgs[*]}")
printf 'archs: [amd64]\ndebian:\n  suite: bookworm\n  packages: [%s]\n' "$list" > "$work/amd64.yaml"
printf 'archs: [amd64, arm64]\ndebian:\n  suite: bookworm\n  packages: [%s]\n' "$list" > "$work/both.yaml"
cp "$work/both.yaml" "$work/nolock.yaml"
"$root/peel" -q lock --cache "$work/lockcache" "$work/amd64.yaml"
"$root/peel" -q lock --cache "$work/lockcache" "$work/both.yaml"

# The same sources peel reads: the host's Debian archive and its security suite.
archive=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -1)
security=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -- '-security' | head -1)
[ -n "$archive" ] || archive=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
[ -n "$archive" ] || { echo "no Debian archive in the host's apt sources" >&2; exit 1; }
security=${security:-${archive%/}-security}

mm() {  # mmdebstrap rootfs of the set, then a one-layer OCI image with umoci, as ../peers do
  rm -rf "$work/mm"; mkdir -p "$work/mm" "$work/aptcache"
  mmdebstrap --quiet --arch=amd64 --mode=root --variant=extract --skip=output/dev --include="$list" \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives' --setup-hook="sync-in $work/aptcache /var/cache/apt/archives/" \
    --extract-hook="sync-out /var/cache/apt/archives $work/aptcache" \
    bookworm "$work/mm/rootfs.tar" "deb $archive bookworm main" "deb $archive bookworm-updates main" \
    "deb $security bookworm-security main"
  umoci init --layout "$work/mm/oci" && umoci new --image "$work/mm/oci:img"
  umoci raw add-layer --no-history --image "$work/mm/oci:img" "$work/mm/rootfs.tar"
  umoci config --no-history --image "$work/mm/oci:img" --created 1970-01-01T00:00:00Z --architecture amd64 --os linux
  umoci gc --layout "$work/mm/oci"
}
pb() { rm -rf "$work/out"; "$root/peel" -q build --cache "$work/cache" "$work/$1.yaml" -o "$work/out" ${2:+--compression $2}; }

# measure NAME PREP CMD...: 3 runs, prints "median_seconds median_rss_MiB"
measure() {
  local prep=$1; shift; local ts=() rs=() i
  for i in 1 2 3; do
    eval "$prep"
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r s k < "$work/time"; ts+=("$s"); rs+=("$((k / 1024))")
  done
  echo "$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p) $(printf '%s\n' "${rs[@]}" | sort -n | sed -n 2p)"
}
export -f mm pb; export work root list archive security

mm_cold=$(measure 'rm -rf "$work/aptcache"' bash -c mm)
mm_warm=$(measure ':' bash -c mm)
p1_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb amd64')
p1_warm=$(measure ':' bash -c 'pb amd64')
p2_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb both')
p2_warm=$(measure ':' bash -c 'pb both')
pz_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb both zstd')
pz_warm=$(measure ':' bash -c 'pb both zstd')
pn_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb nolock')
ratio() { echo "scale=2; $1 / $2" | bc; }
mc=${mm_cold% *}; mw=${mm_warm% *}
echo "| build | cold s | warm s | peak RSS MiB (cold/warm) | vs mmdebstrap amd64 cold / warm |"
echo "|---|---|---|---|---|"
echo "| mmdebstrap + umoci, amd64 | $mc | $mw | ${mm_cold#* } / ${mm_warm#* } | 1 / 1 |"
echo "| peel, amd64 (from lock) | ${p1_cold% *} | ${p1_warm% *} | ${p1_cold#* } / ${p1_warm#* } | $(ratio ${p1_cold% *} $mc) / $(ratio ${p1_warm% *} $mw) |"
echo "| peel, amd64 + arm64 (from lock) | ${p2_cold% *} | ${p2_warm% *} | ${p2_cold#* } / ${p2_warm#* } | $(ratio ${p2_cold% *} $mc) / $(ratio ${p2_warm% *} $mw) |"
echo "| peel, amd64 + arm64, zstd layers (from lock) | ${pz_cold% *} | ${pz_warm% *} | ${pz_cold#* } / ${pz_warm#* } | $(ratio ${pz_cold% *} $mc) / $(ratio ${pz_warm% *} $mw) |"
echo "| peel, amd64 + arm64, no lock (resolves first) | ${pn_cold% *} | – | ${pn_cold#* } | $(ratio ${pn_cold% *} $mc) / – |"
echo
echo "- packages: ${pkgs[*]}; $(grep -c '"name"' "$work/amd64.lock.json") in the amd64 closure"
echo "- peel image sizes: $(du -sb "$work/out/blobs" | cut -f1) bytes of blobs (amd64+arm64, no lock run); mmdebstrap+umoci: $(du -sb "$work/mm/oci/blobs" | cut -f1) bytes (amd64)"
