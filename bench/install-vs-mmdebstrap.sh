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

. "$root/bench/lib.sh"
host_mirrors
mm() { mm_image "$list" "$work/aptcache" "$work/mm"; }
pb() { rm -rf "$work/out"; "$root/peel" -q build --cache "$work/cache" "$work/$1.yaml" -o "$work/out" ${2:+--compression $2}; }

export -f mm mm_image pb; export work root list archive security

mm_cold=$(measure 'rm -rf "$work/aptcache"' bash -c mm)
mm_warm=$(measure ':' bash -c mm)
p1_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb amd64')
p1_warm=$(measure ':' bash -c 'pb amd64')
p2_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb both')
p2_warm=$(measure ':' bash -c 'pb both')
pz_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb both zstd')
pz_warm=$(measure ':' bash -c 'pb both zstd')
pn_cold=$(measure 'rm -rf "$work/cache"' bash -c 'pb nolock')
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
