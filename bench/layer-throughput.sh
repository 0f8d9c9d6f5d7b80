#!/usr/bin/env bash
# Layer throughput and memory: peel's tar+gzip layer of a large tree, side by side with
# `tar --sort=name | gzip -6` on the same tree, in one run, plus the yardstick the goal is stated in:
# one core running the JDK's Deflater alone (level 6) over the same tar bytes.
#
# usage: bench/layer-throughput.sh [TREE] [SMALLER_TREE...]
#   TREE defaults to /usr/lib; the smaller trees (default /usr/lib/python3 /usr/lib/x86_64-linux-gnu)
#   only add peel's peak RSS, to show memory stays flat as the tree grows.
# Prints a markdown table; docs/benchmarks.md keeps the results.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tree="${1:-/usr/lib}"
shift || true
smaller=("$@")
[ ${#smaller[@]} -eq 0 ] && smaller=(/usr/lib/python3 /usr/lib/x86_64-linux-gnu)
"$root/peel" --version >/dev/null          # builds the CLI if needed, outside the timings
jar="$root/cli/target/peel.jar"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
timed() { # label, command...: runs it, appends "label wall cpu rss_kb" to $work/times
  local label=$1; shift
  /usr/bin/time -f "$label %e %U %S %M" -a -o "$work/times" "$@"
}
mb() { echo "scale=1; $1 / 1000000" | bc; }

spec_for() { # tree → spec path
  local s="$work/spec-$(echo "$1" | tr '/' '_').yaml"
  printf 'created: 2024-01-01T00:00:00Z\nfiles:\n  - {path: /tree, source: %s}\n' "$1" > "$s"
  echo "$s"
}

parent=$(dirname "$tree"); base=$(basename "$tree")
echo "tree: $tree ($(du -sh "$tree" | cut -f1), $(find "$tree" | wc -l) entries); $(nproc) cores; $(java -version 2>&1 | head -1)" >&2

# The peer: GNU tar piped into gzip -6.
timed "tar+gzip-6" sh -c "tar --sort=name -cf - -C '$parent' '$base' | gzip -6 > '$work/peer.tar.gz'"
peer_size=$(stat -c %s "$work/peer.tar.gz"); rm -f "$work/peer.tar.gz"

# peel: the whole build (walk, tar, diffID, gzip, digest, layout).
timed "peel" "$root/peel" build "$(spec_for "$tree")" -o "$work/peel-out" -q >/dev/null
layer=$(ls -S "$work/peel-out/blobs/sha256" | head -1)
peel_size=$(stat -c %s "$work/peel-out/blobs/sha256/$layer")
tar_bytes=$(gzip -dc "$work/peel-out/blobs/sha256/$layer" | wc -c)
rm -rf "$work/peel-out"

# The yardstick: one core, Deflater alone, over the same tar bytes.
tar --sort=name -cf "$work/tree.tar" -C "$parent" "$base"
read -r ybytes ysec yrate < <(java "$root/bench/DeflaterSpeed.java" "$work/tree.tar" 6)
# The same with every core deflating at once (what a core delivers when its neighbours are busy too).
cores=$(nproc)
for i in $(seq "$cores"); do java "$root/bench/DeflaterSpeed.java" "$work/tree.tar" 6 > "$work/y$i" & done
wait
ybusy=$(cat "$work"/y[0-9]* | awk '{s += $3} END {printf "%.1f", s / NR}')
rm -f "$work/tree.tar"

# Memory as the tree grows; the last run also in a 64 MiB heap, which only streaming survives.
for t in "${smaller[@]}"; do
  timed "peel-rss:$t" "$root/peel" build "$(spec_for "$t")" -o "$work/o" -q >/dev/null; rm -rf "$work/o"
done
timed "peel-rss:$tree" "$root/peel" build "$(spec_for "$tree")" -o "$work/o" -q >/dev/null; rm -rf "$work/o"
PEEL_JAVA_OPTS="-XX:+UseSerialGC -Xmx64m" timed "peel-Xmx64m:$tree" "$root/peel" build "$(spec_for "$tree")" -o "$work/o" -q >/dev/null; rm -rf "$work/o"

echo
echo "| run | wall s | CPU s | cores used | MB/s (tar bytes / wall) | MB/s per core | peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
while read -r label wall user sys rss; do
  cpu=$(echo "$user + $sys" | bc)
  rate="–"; per="–"
  case "$label" in
    *":$tree"|"peel"|"tar+gzip-6")
      rate=$(echo "scale=1; $tar_bytes / $wall / 1000000" | bc); per=$(echo "scale=1; $tar_bytes / $cpu / 1000000" | bc) ;;
  esac
  echo "| $label | $wall | $cpu | $(echo "scale=2; $cpu / $wall" | bc) | $rate | $per | $((rss / 1024)) |"
done < "$work/times"
echo
echo "- tar stream: $(mb "$tar_bytes") MB; gzip -6: $(mb "$peer_size") MB; peel's layer: $(mb "$peel_size") MB"
echo "- yardstick, JDK Deflater level 6 on one core: ${yrate} MB/s alone (${ysec} s for $(mb "$ybytes") MB); ${ybusy} MB/s per core with all $cores cores deflating"
peel_line=$(grep '^peel ' "$work/times")
read -r _ wall user sys _ <<< "$peel_line"
per_core=$(echo "scale=1; $tar_bytes / ($user + $sys) / 1000000" | bc)
echo "- peel per core: $per_core MB/s = $(echo "scale=0; 100 * $per_core / $yrate" | bc) % of the yardstick alone, $(echo "scale=0; 100 * $per_core / $ybusy" | bc) % of it with all cores busy (goal ≥ 90 %)"
