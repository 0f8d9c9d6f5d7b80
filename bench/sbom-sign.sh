#!/usr/bin/env bash
# SBOMs and signing: what they cost on top of a build, measured on the java17 preset for amd64 (one image, ≈ 80 MB
# compressed, the JDK's ~1,500 files) and the static preset for amd64 + arm64 (an index of two):
#   sbom spdx / cyclonedx     `peel sbom LAYOUT -o FILE` (reads and hashes every layer: decompress + SHA-256 + SHA-1)
#   build warm / warm+sbom    a warm build from the cache, without and with `--sbom spdx,cyclonedx`
#   sign / verify             `peel sign` and `peel verify --attestations` of static (index + 2) on Debian's
#                             docker-registry on loopback, after `build --push --sign-key` attested the SBOMs
# No peer runs here: cosign and syft are Go binaries from GitHub releases, which this machine cannot reach, and
# Debian 12 packages neither. Median of $RUNS runs (default 5); wall time and peak RSS of the whole command.
# usage: bench/sbom-sign.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=${RUNS:-5}
"$root/peel" --version >/dev/null
work="$(mktemp -d)"
. "$root/bench/lib.sh"
trap 'registry_stop; rm -rf "$work"' EXIT
cache="$work/cache"
peel=("$root/peel" -q --cache "$cache")
results="$work/results"; : > "$results"
export PEEL_PASSWORD=bench
timed() {
  local label=$1 rc=0 s k; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || rc=$?
  [ "$rc" -eq 0 ] || { echo "$label failed ($rc): $*" >&2; cat "$work/err" >&2; exit 1; }
  read -r s k < <(tail -1 "$work/time")
  printf '%s\t%s\t%s\n' "$label" "$s" "$((k / 1024))" >> "$results"
}
median() {
  awk -F'\t' -v l="$1" -v f="$2" '$1 == l {print $f}' "$results" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

"${peel[@]}" build java17 --arch amd64 -o "$work/java17" >/dev/null
"${peel[@]}" build static --arch amd64,arm64 -o "$work/static" >/dev/null
"${peel[@]}" keygen --prefix "$work/k" >/dev/null 2>&1
registry_start "$work/registry"
"${peel[@]}" build static --arch amd64,arm64 --push "$reg/bench/static:1" --sign-key "$work/k.key" --sbom spdx,cyclonedx >/dev/null
for i in $(seq 1 "$runs"); do
  timed "sbom java17 spdx" "${peel[@]}" sbom "$work/java17" -o "$work/j.spdx.json"
  timed "sbom java17 cyclonedx" "${peel[@]}" sbom "$work/java17" --format cyclonedx -o "$work/j.cdx.json"
  timed "build java17 warm" "${peel[@]}" build java17 --arch amd64 -o "$work/java17"
  timed "build java17 warm + --sbom spdx,cyclonedx" "${peel[@]}" build java17 --arch amd64 -o "$work/java17" --sbom spdx,cyclonedx
  timed "sign static (index + 2, both forms)" "${peel[@]}" sign "$reg/bench/static:1" --key "$work/k.key"
  timed "verify static --attestations" "${peel[@]}" verify "$reg/bench/static:1" --key "$work/k.pub" --attestations
done
printf '%s, median of %s runs; SBOM sizes: java17 SPDX %s KiB, CycloneDX %s KiB (%s packages, %s files)\n\n' "$(date -u +%F)" "$runs" \
  "$(( $(stat -c %s "$work/j.spdx.json") / 1024 ))" "$(( $(stat -c %s "$work/j.cdx.json") / 1024 ))" \
  "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["packages"]) - 2)' "$work/j.spdx.json")" \
  "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["files"]))' "$work/j.spdx.json")"
printf '| step | wall s | peak RSS MiB |\n|---|---|---|\n'
for l in "sbom java17 spdx" "sbom java17 cyclonedx" "build java17 warm" "build java17 warm + --sbom spdx,cyclonedx" \
         "sign static (index + 2, both forms)" "verify static --attestations"; do
  printf '| %s | %s | %s |\n' "$l" "$(median "$l" 2)" "$(median "$l" 3)"
done
