#!/usr/bin/env bash
# jlink runtime vs the base's JRE: one hello-world application (compiled here) built twice for amd64 and arm64 —
# on java17 with java.runtime: jre (Debian's openjdk-17-jre-headless), and on java-base with java.runtime: jlink
# (the modules jdeps finds, linked from openjdk-17-jdk-headless's jmods) — and the compressed size of each image
# per arch (the sum of its manifest's layer sizes), with the runtime layer's size and modules.
# usage: bench/jlink-size.sh        (the host's JDK must be 17, as jlink links only its own feature version)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/peel" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/hello" "$work/app/classes"
cat > "$work/src/hello/Hello.java" <<'JAVA'
package hello;
public class Hello {
    public static void main(String[] args) {
        java.util.logging.Logger.getLogger("hello").info("hello from " + System.getProperty("java.home"));
    }
}
JAVA
javac --release 17 -d "$work/app/classes" "$work/src/hello/Hello.java"
echo "| image | arch | compressed | layers | runtime layer(s) | build (both archs) |"
echo "|---|---|---|---|---|---|"
for runtime in jre jlink; do
  base=$([ $runtime = jre ] && echo java17 || echo java-base)
  printf 'base: %s\narchs: [amd64, arm64]\ncreated: 2024-01-01T00:00:00Z\njava:\n  classes: [classes]\n  runtime: %s\n' \
    "$base" "$runtime" > "$work/app/$runtime.yaml"
  start=$(date +%s.%N)
  "$root/peel" -q build "$work/app/$runtime.yaml" -o "$work/out-$runtime" >/dev/null
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  python3 - "$work/out-$runtime" "$base, runtime: $runtime" "$secs" <<'PY'
import json, sys, os
root, what, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
blob = lambda d: os.path.join(root, "blobs", "sha256", d.split(":")[1])
idx = json.load(open(blob(json.load(open(os.path.join(root, "index.json")))["manifests"][0]["digest"])))
for m in idx["manifests"]:
    man = json.load(open(blob(m["digest"])))
    cfg = json.load(open(blob(man["config"]["digest"])))
    hist = [h for h in cfg.get("history", []) if not h.get("empty_layer")]
    total = sum(l["size"] for l in man["layers"])
    runtime = [(l["size"], h.get("comment", "")) for l, h in zip(man["layers"], hist)
               if h.get("comment", "").startswith(("debian package openjdk", "java: runtime"))]
    rt = "; ".join("%s %.2f MB" % (c.replace("debian package ", ""), s / 1e6) for s, c in runtime)
    print("| %s | %s | %.2f MB | %d | %s | %.0f s |" % (what, m["platform"]["architecture"], total / 1e6, len(man["layers"]), rt, secs))
PY
done
