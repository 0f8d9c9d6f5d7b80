#!/usr/bin/env bash
# Multi-arch scale-out, the CI recipe of docs/multiarch-ci.md on one machine: N images × 2 archs, each
# (image, arch) built and pushed by a process of its own — a CI job, with its own empty peel cache, 2 at a time
# (this machine has 2 cores) — to one local registry:
#     peel build img-N.yaml --arch A --push 127.0.0.1:PORT/img-N:A
# then one index per image, also 2 at a time:
#     peel index create 127.0.0.1:PORT/img-N:latest --from 127.0.0.1:PORT/img-N:amd64 --from …:arm64
# Each index digest is checked against `peel build img-N.yaml --arch amd64,arm64` (one process, both archs).
# For comparison, the same N images built and pushed by one process, one image after the other, both archs each.
#
# Specs:  files   files only: 8 MiB of seeded pseudo-random bytes (the same in every image, incompressible) and
#                 a file naming the image; one layer, the same bytes for both archs
#         static  the static preset plus a file naming the image; its package layers are shared by every
#                 image of one arch; locked first (img-N.lock.json beside the spec, as a repository would
#                 commit it); jobs get peel's downloaded .debs, as from a CI cache, but no built layers
# Per (spec, N), median of $RUNS runs (default 3), each over a registry with empty storage on a fresh port:
# wall time of the matrix, of the index jobs and in all; the slowest build job plus the slowest index job (what
# the matrix takes with a runner per job; here two jobs share the 2 cores, so each job runs slower than it would
# alone); blobs uploaded / mounted / already there and bytes uploaded (summed from peel's summaries); the
# registry's blob storage; jobs that failed and were run again.
# usage: bench/index-scaleout.sh [N...]      (default 1 2 4; SPECS="files static", RUNS=3, JOBS=2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(1 2 4)
runs=${RUNS:-3}
jobs=${JOBS:-2}
specs=(${SPECS:-files static})
archs=(amd64 arm64)
[ -x /usr/bin/docker-registry ] && command -v curl >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry curl >/dev/null; }
"$root/peel" --version >/dev/null
work="$(mktemp -d)"
. "$root/bench/lib.sh"
trap 'registry_stop; rm -rf "$work"' EXIT
export root work

python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(20261122).randbytes(8 << 20))' > "$work/common.bin"
max=$(printf '%s\n' "${counts[@]}" | sort -n | tail -1)
for n in $(seq 1 "$max"); do
  printf 'created: 2024-01-01T00:00:00Z\nfiles:\n  - {path: /opt/common.bin, source: common.bin}\n  - {path: /app/id, content: "img-%s\\n"}\n' \
    "$n" > "$work/files-$n.yaml"
  printf 'base: static\ncreated: 2024-01-01T00:00:00Z\nfiles:\n  - {path: /app/id, content: "img-%s\\n"}\n' "$n" > "$work/static-$n.yaml"
done

# What each index must be: one process building both archs. This also fills the template cache whose
# downloads (not its built layers) every job starts with.
for spec in "${specs[@]}"; do
  for n in $(seq 1 "$max"); do
    [ "$spec" = files ] || "$root/peel" -q --cache "$work/template" lock "$work/$spec-$n.yaml" --arch amd64 --arch arm64 >/dev/null
    "$root/peel" -q --cache "$work/template" build "$work/$spec-$n.yaml" --arch amd64,arm64 -o "$work/ref-$spec-$n" > "$work/want-$spec-$n"
  done
done
mkdir -p "$work/seed"
for d in debs packages packages-index usr-aliases; do
  [ -d "$work/template/$d" ] && cp -a "$work/template/$d" "$work/seed/"
done

# job NAME ARGS…: one CI job with its own fresh cache (seeded with downloads); its stderr kept for the summary.
# A failed job is run once more, as CI would re-run it; the failure is kept (failed-NAME) and counted.
job() {
  local name=$1 t0 rc=0; shift
  t0=$(date +%s.%N)
  rm -rf "$work/jobs/$name"; mkdir -p "$work/jobs/$name/cache"; cp -a "$work/seed/." "$work/jobs/$name/cache/"
  run_job "$name" "$@" || rc=$?
  echo "scale=2; ($(date +%s.%N) - $t0) / 1" | bc > "$work/jobs/$name/seconds"
  return $rc
}
run_job() {
  local name=$1; shift
  "$root/peel" --cache "$work/jobs/$name/cache" "$@" > "$work/jobs/$name/out" 2> "$work/jobs/$name/err" && return 0
  mv "$work/jobs/$name/err" "$work/jobs/failed-$name"
  echo "job $name failed, running it again: $(tail -1 "$work/jobs/failed-$name")" >&2
  "$root/peel" --cache "$work/jobs/$name/cache" "$@" > "$work/jobs/$name/out" 2> "$work/jobs/$name/err" \
    || { echo "job $name failed again: $*" >&2; cat "$work/jobs/$name/err" >&2; return 1; }
}
export -f job run_job
now() { date +%s.%N; }
secs() { echo "scale=2; ($2 - $1) / 1" | bc; }

# sums of peel's "A blobs uploaded (X MiB), C mounted, D already there" lines → "A C D MiB"
tally() {
  cat "$work"/jobs/*/err | python3 -c '
import re, sys
up = mo = pr = 0; b = 0.0
unit = {"B": 1, "KiB": 1024, "MiB": 1 << 20, "GiB": 1 << 30}
for line in sys.stdin:
    m = re.search(r"(\d+) blobs? uploaded(?: \(([\d.]+) (B|KiB|MiB|GiB)\))?, (\d+) mounted, (\d+) already there", line)
    if m:
        up += int(m.group(1)); mo += int(m.group(4)); pr += int(m.group(5))
        if m.group(2): b += float(m.group(2)) * unit[m.group(3)]
print(up, mo, pr, "%.1f" % (b / (1 << 20)))'
}
longest() { cat "$work"/jobs/$1-*/seconds | sort -n | tail -1; }   # the slowest job of a kind
storage() { du -sm --apparent-size "$work/reg/data/docker/registry/v2/blobs" | cut -f1; }

results="$work/results"; : > "$results"
for i in $(seq 1 "$runs"); do
  for spec in "${specs[@]}"; do
    for n in "${counts[@]}"; do
      # The matrix: one job per image × arch, $jobs at a time, then one index job per image.
      registry_start "$work/reg"; rm -rf "$work/jobs"
      t0=$(now)
      for k in $(seq 1 "$n"); do for a in "${archs[@]}"; do
        echo "build-$k-$a build $work/$spec-$k.yaml --arch $a --push $reg/img-$k:$a"
      done; done | xargs -P "$jobs" -L 1 bash -c 'job "$@"' _
      t1=$(now)
      for k in $(seq 1 "$n"); do
        echo "index-$k index create $reg/img-$k:latest$(for a in "${archs[@]}"; do printf -- ' --from %s' "$reg/img-$k:$a"; done)"
      done | xargs -P "$jobs" -L 1 bash -c 'job "$@"' _
      t2=$(now)
      check=ok
      for k in $(seq 1 "$n"); do
        got=$(head -1 "$work/jobs/index-$k/out"); want=$(head -1 "$work/want-$spec-$k")
        if [ "$got" != "$want" ]; then check="img-$k: index $got, build --arch amd64,arm64 $want"; fi
        [ "$i" -eq 1 ] && echo "$spec N=$n img-$k: index create $got, build --arch amd64,arm64 $want" >&2
      done
      read -r up mo pr mib < <(tally)
      reruns=$(ls "$work/jobs" | grep -c '^failed-' || true)
      critical=$(echo "$(longest build) + $(longest index)" | bc)
      echo "matrix $spec $n $(secs "$t0" "$t1") $(secs "$t1" "$t2") $(secs "$t0" "$t2") $up $mo $pr $mib $(storage) $reruns $critical $check" >> "$results"

      # The same images from one process each, one after the other: both archs per build, pushed as an index.
      registry_start "$work/reg"; rm -rf "$work/jobs"
      t0=$(now)
      for k in $(seq 1 "$n"); do
        job "one-$k" build "$work/$spec-$k.yaml" --arch amd64,arm64 --push "$reg/img-$k:latest"
      done
      t1=$(now)
      read -r up mo pr mib < <(tally)
      reruns=$(ls "$work/jobs" | grep -c '^failed-' || true)
      echo "single $spec $n $(secs "$t0" "$t1") 0 $(secs "$t0" "$t1") $up $mo $pr $mib $(storage) $reruns $(secs "$t0" "$t1") ok" >> "$results"
    done
  done
done
registry_stop

med() { awk -v k="$1 $2 $3" -v f="$4" '$1 " " $2 " " $3 == k {print $f}' "$results" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
echo "| spec | images × archs | how | build+push s | index s | total s | slowest job + slowest index job s | blobs uploaded / mounted / already there | MiB uploaded | registry blobs MiB | jobs re-run (all runs) | index = build --arch amd64,arm64 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for spec in "${specs[@]}"; do
  for n in "${counts[@]}"; do
    for how in matrix single; do
      label="$n × ${#archs[@]} jobs ($jobs at a time) + $n index jobs"
      [ "$how" = single ] && label="$n jobs, one after the other, --arch amd64,arm64 each"
      checks=$(awk -v k="$how $spec $n" '$1 " " $2 " " $3 == k {$1 = $2 = $3 = $4 = $5 = $6 = $7 = $8 = $9 = $10 = $11 = $12 = $13 = ""; print}' "$results" | sort -u | tr -s ' ')
      reruns=$(awk -v k="$how $spec $n" '$1 " " $2 " " $3 == k {s += $12} END {print s + 0}' "$results")
      echo "| $spec | $n × ${#archs[@]} | $label | $(med $how $spec $n 4) | $(med $how $spec $n 5) | $(med $how $spec $n 6) | $(med $how $spec $n 13) | $(med $how $spec $n 7) / $(med $how $spec $n 8) / $(med $how $spec $n 9) | $(med $how $spec $n 10) | $(med $how $spec $n 11) | $reruns | ${checks# } |"
    done
  done
done
