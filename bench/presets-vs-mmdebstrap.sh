#!/usr/bin/env bash
# peel build of presets vs mmdebstrap (--variant=extract) + umoci on the same packages, in one run:
#   static for amd64+arm64 and java17 for amd64 (peel, from a lock, cold = empty cache, warm = cached),
#   mmdebstrap+umoci for amd64 with --include= the lock's package list (cold = empty apt cache).
# mmdebstrap's apt adds the hard-dependency closure of that list, so its image holds a superset of the
# packages for the presets that resolve explicitly; both counts are printed. Median of 3 runs.
# usage: bench/presets-vs-mmdebstrap.sh      (needs root for mmdebstrap --mode=root)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v mmdebstrap >/dev/null && command -v umoci >/dev/null && [ -x /usr/bin/time ] || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap umoci time >/dev/null; }
"$root/peel" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
"$root/peel" -q lock --cache "$work/lockcache" static --arch amd64 --arch arm64 >/dev/null
"$root/peel" -q lock --cache "$work/lockcache" java17 --arch amd64 >/dev/null
archive=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -1)
security=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -- '-security' | head -1)
[ -n "$archive" ] || archive=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
security=${security:-${archive%/}-security}
names() { python3 -c "import json,sys; print(','.join(p['name'] for p in json.load(open(sys.argv[1]))['archs']['amd64']))" "$1"; }

mm() {  # mm NAME: mmdebstrap rootfs of the lock's packages (amd64), then a one-layer OCI image
  local list; list=$(names "$work/$1.lock.json")
  rm -rf "$work/mm"; mkdir -p "$work/mm" "$work/aptcache-$1"
  mmdebstrap --quiet --arch=amd64 --mode=root --variant=extract --skip=output/dev --include="$list" \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives' --setup-hook="sync-in $work/aptcache-$1 /var/cache/apt/archives/" \
    --extract-hook="sync-out /var/cache/apt/archives $work/aptcache-$1" \
    bookworm "$work/mm/rootfs.tar" "deb $archive bookworm main" "deb $archive bookworm-updates main" "deb $security bookworm-security main"
  umoci init --layout "$work/mm/oci" && umoci new --image "$work/mm/oci:img"
  umoci raw add-layer --no-history --image "$work/mm/oci:img" "$work/mm/rootfs.tar"
  umoci config --no-history --image "$work/mm/oci:img" --created 1970-01-01T00:00:00Z --architecture amd64 --os linux
  umoci gc --layout "$work/mm/oci"
  ls "$work/aptcache-$1" | grep -c "\.deb$" > "$work/mm/count" || true
}
pb() { rm -rf "$work/out"; "$root/peel" -q build --cache "$work/cache" "$@" -o "$work/out"; }
export -f mm pb names; export work root archive security

measure() {  # measure PREP CMD...: 3 runs, prints "median_seconds median_rss_MiB"
  local prep=$1; shift; local ts=() rs=() i s k
  for i in 1 2 3; do
    eval "$prep"
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r s k < "$work/time"; ts+=("$s"); rs+=("$((k / 1024))")
  done
  echo "$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p) $(printf '%s\n' "${rs[@]}" | sort -n | sed -n 2p)"
}
ratio() { echo "scale=2; $1 / $2" | bc; }
row() { echo "| $1 | ${2% *} | ${3% *} | ${2#* } / ${3#* } | $(ratio ${2% *} $4) / $(ratio ${3% *} $5) |"; }

ms_c=$(measure 'rm -rf "$work/aptcache-static"' bash -c 'mm static'); ms_w=$(measure ':' bash -c 'mm static'); ms_n=$(cat "$work/mm/count")
mj_c=$(measure 'rm -rf "$work/aptcache-java17"' bash -c 'mm java17'); mj_w=$(measure ':' bash -c 'mm java17'); mj_n=$(cat "$work/mm/count")
ps_c=$(measure 'rm -rf "$work/cache"' bash -c 'pb static --arch amd64,arm64'); ps_w=$(measure ':' bash -c 'pb static --arch amd64,arm64')
pj_c=$(measure 'rm -rf "$work/cache"' bash -c 'pb java17 --arch amd64'); pj_w=$(measure ':' bash -c 'pb java17 --arch amd64')
echo "| build | cold s | warm s | peak RSS MiB (cold/warm) | vs mmdebstrap amd64 (cold/warm) |"
echo "|---|---|---|---|---|"
row "mmdebstrap + umoci: static's packages, amd64 ($ms_n packages)" "$ms_c" "$ms_w" "${ms_c% *}" "${ms_w% *}"
row "**peel build static**, amd64 + arm64 ($(grep -c '"name"' static.lock.json) package entries)" "$ps_c" "$ps_w" "${ms_c% *}" "${ms_w% *}"
row "mmdebstrap + umoci: java17's packages, amd64 ($mj_n packages)" "$mj_c" "$mj_w" "${mj_c% *}" "${mj_w% *}"
row "**peel build java17**, amd64 ($(grep -c '"name"' java17.lock.json) packages)" "$pj_c" "$pj_w" "${mj_c% *}" "${mj_w% *}"
