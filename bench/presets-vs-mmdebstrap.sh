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
. "$root/bench/lib.sh"
host_mirrors
names() { python3 -c "import json,sys; print(','.join(p['name'] for p in json.load(open(sys.argv[1]))['archs']['amd64']))" "$1"; }

mm() {  # mm NAME: the lock's packages (amd64) with mmdebstrap + umoci; how many .debs apt fetched for them
  mm_image "$(names "$work/$1.lock.json")" "$work/aptcache-$1" "$work/mm"
  ls "$work/aptcache-$1" | grep -c "\.deb$" > "$work/mm/count" || true
}
pb() { rm -rf "$work/out"; "$root/peel" -q build --cache "$work/cache" "$@" -o "$work/out"; }
export -f mm mm_image pb names; export work root archive security

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
