#!/usr/bin/env bash
# gzip encoders side by side on the same inputs, in one run: peel's own DEFLATE encoder (the one every gzip
# layer is written with), the JDK's Deflater (zlib), GNU gzip and pigz — size and throughput per core.
#   inputs: a tar of TREE (default /usr/lib); a tar of up to 300 jars of the local Maven repository (already
#   compressed data, as in a Java application's layers); and the uncompressed tars of the java17 preset's
#   layers (amd64), built from a fresh lock with the host's Debian mirror (skipped with a note when that fails).
#   per core: input bytes / CPU seconds of one encoding thread (Java: by the thread's CPU clock, best of 3
#   in one JVM for inputs under 1 GB, one pass over larger ones; gzip and pigz -p 1: user + sys of the
#   process). Also wall time on every core for peel (its block-parallel stream) and pigz.
#   peel's other levels (PEEL_LEVELS, default "1 4 5 7 9") only for inputs under 1 GB.
# usage: bench/gzip-encoders.sh [TREE]      (installs pigz when missing; needs root for that)
# Prints a markdown table; docs/benchmarks.md keeps the results.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tree="${1:-/usr/lib}"
command -v pigz >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pigz >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; }
"$root/peel" --version >/dev/null          # builds the CLI if needed, outside the timings
jar="$root/cli/target/peel.jar"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cores=$(nproc)

inputs=()
tar --sort=name -cf "$work/tree.tar" -C "$(dirname "$tree")" "$(basename "$tree")" 2>/dev/null || true
inputs+=("$work/tree.tar")
# Already-compressed data, what a Java application's dependency layer holds: the local Maven repository's jars.
if [ -d "$HOME/.m2/repository" ]; then
  find "$HOME/.m2/repository" -name '*.jar' -size +100k | sort | head -300 | tar -cf "$work/jars.tar" -T - 2>/dev/null || true
  [ -s "$work/jars.tar" ] && inputs+=("$work/jars.tar")
fi
if (cd "$work" && "$root/peel" -q lock --cache "$work/cache" java17 --arch amd64 >/dev/null 2>&1 \
      && "$root/peel" -q build --cache "$work/cache" java17 --arch amd64 -o "$work/java17" >/dev/null 2>&1); then
  for b in "$work"/java17/blobs/sha256/*; do
    gzip -t "$b" 2>/dev/null && gzip -dc "$b"
  done > "$work/java17-layers.tar"
  inputs+=("$work/java17-layers.tar")
else
  echo "note: the java17 preset could not be built here (no Debian mirror?); its row is left out" >&2
fi

cpu() { # command...: prints user+sys seconds of it
  /usr/bin/time -f "%U %S" -o "$work/t" "$@" >/dev/null
  awk '{printf "%.2f", $1 + $2}' "$work/t"
}
wall() {
  /usr/bin/time -f "%e" -o "$work/t" "$@" >/dev/null
  awk '{printf "%.2f", $1}' "$work/t"
}
mbs() { echo "scale=1; $1 / $2 / 1000000" | bc; }
ratio() { echo "scale=3; $1 / $2" | bc; }

echo "$(date -u +%F); $cores cores; $(java -version 2>&1 | head -1); $(gzip --version | head -1); pigz $(pigz --version 2>&1 | awk '{print $2}')" >&2
echo
echo "| input | encoder | level | size MB | size vs JDK 6 | CPU s | MB/s per core | vs JDK 6 per core |"
echo "|---|---|---|---|---|---|---|---|"
for f in "${inputs[@]}"; do
  name=$(basename "$f"); bytes=$(stat -c %s "$f")
  runs=3; [ "$bytes" -gt 1000000000 ] && runs=1
  read -r _ _ _ jsize jsec _ < <(java -cp "$jar" "$root/bench/GzipSpeed.java" jdk "$f" 6 "$runs")
  row() { # encoder level size seconds
    echo "| $name ($(echo "scale=0; $bytes / 1000000" | bc) MB) | $1 | $2 | $(echo "scale=2; $3 / 1000000" | bc) | $(ratio "$3" "$jsize") | $4 | $(mbs "$bytes" "$4") | $(ratio "$jsec" "$4")× |"
  }
  row "JDK Deflater (zlib)" 6 "$jsize" "$jsec"
  levels=6; [ "$bytes" -lt 1000000000 ] && levels="${PEEL_LEVELS:-1 4 5 7 9} 6"
  for level in $levels; do
    read -r _ _ _ psize psec _ < <(java -cp "$jar" "$root/bench/GzipSpeed.java" peel "$f" "$level" "$runs")
    row "**peel**" "$level" "$psize" "$psec"
  done
  s=$(cpu sh -c "gzip -6 -c '$f' > '$work/o.gz'"); row "gzip" 6 "$(stat -c %s "$work/o.gz")" "$s"
  s=$(cpu sh -c "pigz -6 -p 1 -c '$f' > '$work/o.gz'"); row "pigz -p 1" 6 "$(stat -c %s "$work/o.gz")" "$s"
  # Every core: wall clock.
  read -r _ _ _ _ pw _ < <(java -cp "$jar" "$root/bench/GzipSpeed.java" peel "$f" 6 "$runs" "$cores")
  gw=$(wall sh -c "pigz -6 -c '$f' > '$work/o.gz'")
  echo "| $name | wall on $cores cores, level 6: peel $pw s ($(mbs "$bytes" "$pw") MB/s), pigz $gw s ($(mbs "$bytes" "$gw") MB/s) | | | | | | |"
done
