#!/usr/bin/env bash
# Java application images: peel's Maven plugin side by side with Jib (jib-maven-plugin 3.5.2), in one run, on the
# same project (bench/java-hello: two classes and a resource, as the peers' java-hello) and the same base image:
# peel's java17 preset for amd64, pushed to Debian's docker-registry on a loopback port, named by both plugins as
# 127.0.0.1:PORT/bench/java17:1 (so both pull it, verify it and keep it in their caches).
#   rows   tar cold        `mvn package peel:tar` / `mvn package jib:buildTar`, target/ and the tool's caches emptied
#          tar no change   the same again
#          tar one class   Greeting.java changed (a new string), then the same
#          push cold       `peel:push` / `jib:build` to a new repository, target/ and caches emptied
#          push no change  the same again to the same repository
#          push one class  Greeting.java changed, then the same
#   sizes  the pushed image's compressed layers (base + app) and the app layers alone; the bytes of new blobs the
#          registry stored for the one-class push (what a re-push uploads), read from its storage folder.
# Every command is a whole `mvn` run (Maven's own start-up included, the same for both). The tools alternate
# which goes first. Median of $RUNS runs (default 3); wall seconds. Prints markdown; docs/benchmarks.md keeps it.
# Maven's local repository (~/.m2 or $MAVEN_REPO) is filled first by an untimed online run of both plugins (Jib and
# its dependencies, peel's plugin installed by this script), so the timed runs download nothing from it.
# usage: bench/java-vs-jib.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=${RUNS:-3}
[ -x /usr/bin/docker-registry ] && [ -x /usr/bin/time ] && command -v curl >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry time curl >/dev/null; }
work="$(mktemp -d)"
. "$root/bench/lib.sh"
trap 'registry_stop; rm -rf "$work"' EXIT
repo_opt=()
[ -n "${MAVEN_REPO:-}" ] && repo_opt=("-Dmaven.repo.local=$MAVEN_REPO")

# peel's CLI and its plugin, built and installed outside the timings.
(cd "$root" && mvn -q -B -o "${repo_opt[@]}" install -DskipTests -pl core,maven-plugin -am >&2)
"$root/peel" --version >/dev/null

registry_start "$work/registry"
store="$work/registry/data/docker/registry/v2/blobs"
base="$reg/bench/java17:1"
"$root/peel" -q --cache "$work/base-cache" build java17 --arch amd64 -o "$work/base" >/dev/null
"$root/peel" -q --cache "$work/base-cache" push "oci:$work/base" "$base" >/dev/null

app="$work/app"
cp -r "$root/bench/java-hello" "$app"
results="$work/results"; : > "$results"
mvn_online=(mvn -B -q "${repo_opt[@]}" -f "$app/pom.xml" -Dbase.image="$base"
         -Dpeel.cache="$work/peel-cache" -Djib.baseImageCache="$work/jib-base" -Djib.applicationCache="$work/jib-app")
mvn_cmd=("${mvn_online[@]}")   # not -o: Jib will not pull its base in Maven's offline mode
"${mvn_online[@]}" package peel:tar jib:buildTar >/dev/null     # untimed: fills the local repository

cold() { rm -rf "$app/target" "$work/peel-cache" "$work/jib-base" "$work/jib-app"; }
bump() { sed -i -E "s/return \"hello[^\"]*\"/return \"hello $(date +%s%N)\"/" "$app/src/main/java/hello/Greeting.java"; }

# timed LABEL CMD...: appends "LABEL wall_s" to $results; a failure stops the benchmark.
timed() {
  local label=$1; shift
  /usr/bin/time -f '%e' -o "$work/time" "$@" >"$work/out" 2>&1 || { echo "$label failed: $*" >&2; cat "$work/out" >&2; exit 1; }
  printf '%s\t%s\n' "$label" "$(tail -1 "$work/time")" >> "$results"
}
median() {
  awk -F'\t' -v l="$1" '$1 == l {print $2}' "$results" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
}
blob_bytes() { find "$store" -name data -type f -printf '%s %h\n' 2>/dev/null | sort > "$1"; }
# manifest_sizes REPO:TAG: "all app" compressed layer bytes of the pushed image (app = the layers not in the base).
manifest_sizes() {
  python3 - "$reg" "$1" "$base" <<'EOF'
import json, sys, urllib.request
reg, ref, base = sys.argv[1], sys.argv[2], sys.argv[3]
acc = ", ".join(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
                 "application/vnd.oci.image.index.v1+json"])
def get(name, ref):
    req = urllib.request.Request(f"http://{reg}/v2/{name}/manifests/{ref}", headers={"Accept": acc})
    return json.load(urllib.request.urlopen(req))
def manifest(r):
    name, tag = r.split("/", 1)[1].rsplit(":", 1)
    m = get(name, tag)
    return get(name, m["manifests"][0]["digest"]) if "manifests" in m else m
m, b = manifest(ref), manifest(base)
base_digests = {l["digest"] for l in b["layers"]}
print(sum(l["size"] for l in m["layers"]), sum(l["size"] for l in m["layers"] if l["digest"] not in base_digests))
EOF
}

for i in $(seq 1 "$runs"); do
  timed "mvn package" "${mvn_cmd[@]}" package      # what both rows include: Maven's start and the compile
  if [ $((i % 2)) -eq 1 ]; then order="peel jib"; else order="jib peel"; fi
  for tool in $order; do
    if [ "$tool" = peel ]; then tar_goal=peel:tar; push_goal=peel:push; img=(-Dpeel.image); else
      tar_goal=jib:buildTar; push_goal=jib:build; img=(-Dtarget.image); fi
    cold; timed "$tool tar cold" "${mvn_cmd[@]}" package "$tar_goal"
    timed "$tool tar no change" "${mvn_cmd[@]}" package "$tar_goal"
    bump; timed "$tool tar one class" "${mvn_cmd[@]}" package "$tar_goal"
    repo="$reg/bench/$tool-$i"
    cold; timed "$tool push cold" "${mvn_cmd[@]}" package "$push_goal" "${img[0]}=$repo:1"
    timed "$tool push no change" "${mvn_cmd[@]}" package "$push_goal" "${img[0]}=$repo:1"
    blob_bytes "$work/before"
    bump; timed "$tool push one class" "${mvn_cmd[@]}" package "$push_goal" "${img[0]}=$repo:1"
    blob_bytes "$work/after"
    if [ "$i" -eq 1 ]; then
      read -r all appb < <(manifest_sizes "$repo:1")
      new=$(comm -13 "$work/before" "$work/after" | awk '{s += $1} END {print s + 0}')
      printf '%s\t%s\t%s\t%s\n' "$tool" "$all" "$appb" "$new" >> "$work/sizes"
    fi
  done
done

echo "### Java app image: peel's Maven plugin vs Jib 3.5.2 (bench/java-hello on java17 amd64 from a loopback registry; median of $runs, wall s)"
echo
mp=$(median "mvn package")
echo "\`mvn package\` alone (in every row): $mp s. The last columns take it out: the image step alone."
echo
echo "| step | peel | Jib | peel/Jib | peel − package | Jib − package | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for row in "tar cold" "tar no change" "tar one class" "push cold" "push no change" "push one class"; do
  p=$(median "peel $row"); j=$(median "jib $row")
  ps=$(echo "$p - $mp" | bc); js=$(echo "$j - $mp" | bc)
  echo "| $row | $p | $j | $(ratio "$p" "$j") | $ps | $js | $(ratio "$ps" "$js") |"
done
echo
echo "| size (bytes) | peel | Jib |"
echo "|---|---:|---:|"
p=($(awk -F'\t' '$1 == "peel" {print $2, $3, $4}' "$work/sizes")); j=($(awk -F'\t' '$1 == "jib" {print $2, $3, $4}' "$work/sizes"))
echo "| image, compressed layers | ${p[0]} | ${j[0]} |"
echo "| app layers, compressed | ${p[1]} | ${j[1]} |"
echo "| new blobs stored by the one-class re-push | ${p[2]} | ${j[2]} |"
