#!/usr/bin/env bash
# Preset sizes: every preset built for amd64 and arm64, the compressed size of each image (the sum of its manifest's
# layer sizes) and, per layer, what it holds (a Debian package, the generated files, the spec's files) and its
# compressed size — so that what each package adds to an image can be read off.
# usage: bench/preset-sizes.sh [OUT.tsv]     (default: a temp file; prints the markdown table, and the TSV's path)
#   bench/preset-sizes.sh new.tsv && bench/preset-sizes.sh --diff old.tsv new.tsv   (packages added/removed per preset,
#   with their amd64 layer sizes, and the change of each image's size)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${1:-}" = "--diff" ]; then
  python3 - "$2" "$3" <<'PY'
import sys, collections
def read(p):
    total, layers = {}, collections.defaultdict(dict)
    for line in open(p):
        preset, arch, kind, what, size = line.rstrip("\n").split("\t")
        if kind == "total":
            total[(preset, arch)] = int(size)
        elif arch == "amd64":
            layers[preset][what] = int(size)
    return total, layers
ot, ol = read(sys.argv[1]); nt, nl = read(sys.argv[2])
mb = lambda b: "%.2f MB" % (b / 1e6)
print("| preset | amd64 before | amd64 now | arm64 before | arm64 now | packages added (amd64 layer size) | removed |")
print("|---|---|---|---|---|---|---|")
for preset in sorted(set(p for p, _ in nt) | set(p for p, _ in ot)):
    def name(w): return w.split(" ")[0]
    old = {name(w): s for w, s in ol.get(preset, {}).items()}
    new = {name(w): s for w, s in nl.get(preset, {}).items()}
    added = ", ".join("%s %s" % (k, mb(new[k])) for k in sorted(set(new) - set(old), key=lambda k: -new[k])) or "–"
    removed = ", ".join(sorted(set(old) - set(new))) or "–"
    g = lambda t, a: mb(t[(preset, a)]) if (preset, a) in t else "–"
    print("| %s | %s | %s | %s | %s | %s | %s |" % (preset, g(ot, "amd64"), g(nt, "amd64"), g(ot, "arm64"), g(nt, "arm64"), added, removed))
PY
  exit 0
fi
out="${1:-$(mktemp --suffix=.tsv)}"; : > "$out"
"$root/peel" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
presets=$("$root/peel" presets | awk '{print $1}')
for p in $presets; do
  "$root/peel" -q build "$p" --arch amd64,arm64 -o "$work/$p" >/dev/null
  python3 - "$work/$p" "$p" >> "$out" <<'PY'
import json, sys, os
root, preset = sys.argv[1], sys.argv[2]
blob = lambda d: os.path.join(root, "blobs", "sha256", d.split(":")[1])
top = json.load(open(os.path.join(root, "index.json")))["manifests"][0]
idx = json.load(open(blob(top["digest"])))
for m in idx["manifests"]:
    arch = m["platform"]["architecture"]
    man = json.load(open(blob(m["digest"])))
    cfg = json.load(open(blob(man["config"]["digest"])))
    hist = [h for h in cfg.get("history", []) if not h.get("empty_layer")]
    total = 0
    for layer, h in zip(man["layers"], hist):
        what = h.get("comment", h.get("created_by", "?")).replace("debian package ", "")
        total += layer["size"]
        print("\t".join([preset, arch, "layer", what, str(layer["size"])]))
    print("\t".join([preset, arch, "total", "", str(total)]))
PY
done
printf '| preset | amd64 | arm64 | layers |\n|---|---|---|---|\n'
python3 - "$out" <<'PY'
import sys, collections
t, n = {}, collections.Counter()
for line in open(sys.argv[1]):
    preset, arch, kind, what, size = line.rstrip("\n").split("\t")
    if kind == "total": t[(preset, arch)] = int(size)
    elif arch == "amd64": n[preset] += 1
for preset in dict.fromkeys(p for p, _ in t):
    print("| %s | %.2f MB | %.2f MB | %d |" % (preset, t[(preset, "amd64")] / 1e6, t.get((preset, "arm64"), 0) / 1e6, n[preset]))
PY
echo "per-layer sizes: $out" >&2
