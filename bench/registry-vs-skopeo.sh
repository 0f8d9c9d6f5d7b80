#!/usr/bin/env bash
# Registry transfers: `peel push` / `peel pull` side by side with `skopeo copy`, in one run, against Debian's
# docker-registry on a loopback port (plain HTTP, filesystem storage in a temp dir):
#   images  java17   the java17 preset for amd64 (one image, 32 layers, ≈ 81 MB compressed)
#           static   the static preset for amd64 + arm64 (an index of two small images; skopeo needs --all)
#           large    java17 + the host's Temurin 25 JDK as a files layer (≈ 223 MB), to see memory against size
#   rows    push cold      into a registry started over empty storage on a fresh port (no client knows it)
#           push present   the same push again: every blob is there
#           pull cold      into a directory that does not exist
#           pull present   the same pull again into the layout it made (skopeo: `copy` into the same oci: dir)
# then the same push and pull of java17 through the fault proxy (core's test FaultProxy): profile `none`
# (relays only: what the proxy costs) and `flaky` (every 5th blob PUT/PATCH answered 503, the first blob GET over
# 1 MiB cut after 1 MiB, the first manifest request answered 429 with Retry-After: 1).
# Runs alternate which tool goes first. Median of $RUNS runs (default 5; 3 through the proxy); wall time and
# peak RSS of the whole command. Prints markdown tables; docs/benchmarks.md keeps the results.
# usage: bench/registry-vs-skopeo.sh        (RUNS=3 for a quicker look)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=${RUNS:-5}
fault_runs=${FAULT_RUNS:-3}
command -v skopeo >/dev/null && [ -x /usr/bin/docker-registry ] && [ -x /usr/bin/time ] && command -v curl >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq skopeo docker-registry time curl >/dev/null; }
"$root/peel" --version >/dev/null                       # builds the CLI if needed, outside the timings
proxy_class="$root/core/target/test-classes/dev/peel/testing/FaultProxy.class"
if [ ! -f "$proxy_class" ] || [ -n "$(find "$root/core/src" -name '*.java' -newer "$proxy_class" -print -quit)" ]; then
  (cd "$root" && mvn -q -o -B -Dstyle.color=never test-compile -pl core >&2)
fi
work="$(mktemp -d)"
. "$root/bench/lib.sh"
trap 'proxy_stop >/dev/null 2>&1 || true; registry_stop; rm -rf "$work"' EXIT
cache="$work/cache"
peel=("$root/peel" -q --cache "$cache")
peel_says=("$root/peel" --cache "$cache")     # with its notices (retries, resumes) and summary, for the fault rows
sk=(skopeo copy -q)
results="$work/results"; : > "$results"

# timed LABEL CMD...: runs CMD, appends "LABEL wall_s rss_mib exit_code last_stderr_line" (tab-separated) to
# $results. Without ALLOW_FAIL=1 a failure stops the benchmark.
timed() {
  local label=$1 rc=0 s k; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" -ne 0 ] && [ "${ALLOW_FAIL:-0}" != 1 ]; then
    echo "$label failed ($rc): $*" >&2; cat "$work/err" >&2; exit 1
  fi
  read -r s k < <(tail -1 "$work/time")
  printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$s" "$((k / 1024))" "$rc" \
    "$(grep -v '^Command exited' "$work/err" | tail -1 | tr '\t' ' ' | cut -c1-300)" >> "$results"
}
# median LABEL FIELD: the median of a field (2 wall, 3 RSS, 6 faults) over the label's runs.
median() {
  awk -F'\t' -v l="$1" -v f="$2" '$1 == l {print $f}' "$results" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}

# proxy_start PROFILE: the fault proxy in front of $reg (a coprocess; stdin held open); sets $proxy.
proxy_start() {
  coproc FP { exec java -XX:+UseSerialGC -Xms16m -cp "$root/core/target/test-classes:$root/core/target/classes" \
    dev.peel.testing.FaultProxy "$reg" --profile "$1" 2>"$work/proxy.err"; }
  proxy_pid=$FP_PID
  read -r -t 60 proxy <&"${FP[0]}"
}
# proxy_stop: closes the proxy's stdin so it ends (its report goes to $work/proxy.err); sets $faults to how
# many faults fired. Runs in this shell, not in $(…): only this shell can close the pipe and wait for the proxy.
proxy_stop() {
  [ -n "${proxy_pid:-}" ] || return 0
  eval "exec ${FP[1]}>&- ${FP[0]}<&-"
  wait "$proxy_pid" 2>/dev/null || true
  proxy_pid=
  faults=$(sed -n 's/^faults: //p' "$work/proxy.err")
}

# --- the images ---------------------------------------------------------------------------------------
"${peel[@]}" build java17 --arch amd64 -o "$work/java17" >/dev/null
"${peel[@]}" build static --arch amd64,arm64 -o "$work/static" >/dev/null
printf 'base: java17\narchs: [amd64]\nfiles:\n  - {path: /opt/jdk, source: %s}\n' \
  "$(ls -d /usr/lib/jvm/temurin-25-jdk-* /usr/lib/jvm/java-17-openjdk-* 2>/dev/null | head -1)" > "$work/large.yaml"
"${peel[@]}" build "$work/large.yaml" -o "$work/large" >/dev/null
mib() { du -sm --apparent-size "$work/$1/blobs" | cut -f1; }
layers() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["layers"]))' \
  "$work/$1/blobs/sha256/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"][7:])' "$work/$1/index.json")"; }
echo "images: java17 $(mib java17) MiB / $(layers java17) layers; static $(mib static) MiB (index of 2); large $(mib large) MiB / $(layers large) layers" >&2

# --- push and pull, side by side ------------------------------------------------------------------------
top() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"])' "$1/index.json"; }
flags() { [ "$1" = static ] && echo --all || true; }
for i in $(seq 1 "$runs"); do
  order=(peel skopeo); [ $((i % 2)) -eq 0 ] && order=(skopeo peel)
  for img in java17 static large; do
    for tool in "${order[@]}"; do
      registry_start "$work/reg"
      dst="$reg/bench/$img:v1"; out="$work/pulled-$tool"; rm -rf "$out"
      if [ "$tool" = peel ]; then
        timed "$img|push cold|peel" "${peel[@]}" push "$work/$img" "$dst"
        timed "$img|push present|peel" "${peel[@]}" push "$work/$img" "$dst"
        timed "$img|pull cold|peel" "${peel[@]}" pull "$dst" -o "$out"
        timed "$img|pull present|peel" "${peel[@]}" pull "$dst" -o "$out"
      else
        timed "$img|push cold|skopeo" "${sk[@]}" $(flags $img) --dest-tls-verify=false "oci:$work/$img:latest" "docker://$dst"
        timed "$img|push present|skopeo" "${sk[@]}" $(flags $img) --dest-tls-verify=false "oci:$work/$img:latest" "docker://$dst"
        timed "$img|pull cold|skopeo" "${sk[@]}" $(flags $img) --src-tls-verify=false "docker://$dst" "oci:$out:v1"
        timed "$img|pull present|skopeo" "${sk[@]}" $(flags $img) --src-tls-verify=false "docker://$dst" "oci:$out:v1"
      fi
      if [ "$i" -eq 1 ]; then  # both tools push and pull the very same bytes
        want=$(top "$work/$img")
        got=$(curl -fsSI -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json' \
          "http://$reg/v2/bench/$img/manifests/v1" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p')
        [ "$got" = "$want" ] || { echo "$tool pushed $img as $got, the layout holds $want" >&2; exit 1; }
        pulled=$(top "$out")
        [ "$pulled" = "$want" ] || { echo "$tool pulled $img as $pulled, expected $want" >&2; exit 1; }
      fi
    done
  done
done
registry_stop

echo "| image | operation | peel s | skopeo s | peel / skopeo | peel peak RSS MiB | skopeo peak RSS MiB |"
echo "|---|---|---|---|---|---|---|"
for img in java17 static large; do
  for op in "push cold" "push present" "pull cold" "pull present"; do
    p=$(median "$img|$op|peel" 2); s=$(median "$img|$op|skopeo" 2)
    echo "| $img | $op | $p | $s | $(printf '%.2f' "$(ratio "$p" "$s")") | $(median "$img|$op|peel" 3) | $(median "$img|$op|skopeo" 3) |"
  done
done

# --- through the fault proxy ----------------------------------------------------------------------------
# fault LABEL CMD...: one timed run through a fresh proxy; adds to its record the faults that fired and the
# retries the tool reported (peel's notices; skopeo reports none unless --debug).
fault() {
  local label=$1; shift
  proxy_start "$profile"
  local args=() a r
  for a in "$@"; do args+=("${a//@PROXY@/$proxy}"); done
  ALLOW_FAIL=1 timed "$label" "${args[@]}"
  proxy_stop
  r=$(grep -cE 'retry [0-9]|resuming at|[Rr]etrying' "$work/err" || true)
  sed -i "\$s/\$/\t${faults:-?}\t$r/" "$results"
}
for i in $(seq 1 "$fault_runs"); do
  for profile in none flaky; do
    for tool in peel skopeo "skopeo --retry-times 3"; do
      registry_start "$work/reg"
      out="$work/pulled-fault"; rm -rf "$out"
      case $tool in
        peel)
          fault "$profile|push|$tool" "${peel_says[@]}" push "$work/java17" "@PROXY@/bench/java17:v1"
          "${peel[@]}" push "$work/java17" "$reg/bench/java17:v1" >/dev/null   # the pull needs it there
          fault "$profile|pull|$tool" "${peel_says[@]}" pull "@PROXY@/bench/java17:v1" -o "$out" ;;
        skopeo*)
          extra=(); [ "$tool" != skopeo ] && extra=(--retry-times 3)
          fault "$profile|push|$tool" "${sk[@]}" "${extra[@]}" --dest-tls-verify=false "oci:$work/java17:latest" "docker://@PROXY@/bench/java17:v1"
          "${peel[@]}" push "$work/java17" "$reg/bench/java17:v1" >/dev/null
          fault "$profile|pull|$tool" "${sk[@]}" "${extra[@]}" --src-tls-verify=false "docker://@PROXY@/bench/java17:v1" "oci:$out:v1" ;;
      esac
    done
  done
done
registry_stop

echo
echo "| java17 through the proxy | profile | succeeded | median s | faults fired | retries reported | what the tool said last |"
echo "|---|---|---|---|---|---|---|"
for profile in none flaky; do
  for op in push pull; do
    for tool in peel skopeo "skopeo --retry-times 3"; do
      l="$profile|$op|$tool"
      ok=$(awk -F'\t' -v l="$l" '$1 == l && $4 == 0' "$results" | wc -l)
      said=$(awk -F'\t' -v l="$l" '$1 == l && $4 != 0 {print $5}' "$results" | tail -1)
      [ -n "$said" ] || said="—"
      echo "| $tool $op | $profile | $ok/$fault_runs | $(median "$l" 2) | $(median "$l" 6) | $(median "$l" 7) | ${said//|/\\|} |"
    done
  done
done
