#!/usr/bin/env bash
# Coverage-guided fuzzing (Jazzer) of every parser that reads registry responses: each @FuzzTest of
# core's RegistryParsersFuzzTest in turn, one after another (fuzzing takes a core; the machine has two).
# A finding is saved by Jazzer under core/src/test/resources/dev/peel/registry/RegistryParsersFuzzTestInputs/<target>/
# as crash-<sha1>, where plain `mvn test` replays it from then on; the script exits 1 when there is one.
#   JAZZER_FUZZ=1 turns a @FuzzTest from replaying its seeds into fuzzing (core's pom then enables Jazzer's
#   instrumentation); JAZZER_MAX_DURATION (Jazzer's max_duration option) bounds each run.
# usage: bench/fuzz-registry-parsers.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, every target)
#   FUZZ_CLASS=sign/SignParsersFuzzTest fuzzes the signature parsers instead (package dir/class under dev/peel).
#   MVN_ARGS="-o" to stay offline once Jazzer is in the local repository.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs="${1:-60}"; shift || true
which="${FUZZ_CLASS:-registry/RegistryParsersFuzzTest}"
class="${which##*/}"; pkg="${which%/*}"
src="$root/core/src/test/java/dev/peel/$pkg/$class.java"
inputs="$root/core/src/test/resources/dev/peel/$pkg/${class}Inputs"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  # Every @FuzzTest method, in file order.
  mapfile -t targets < <(awk '/@FuzzTest/ {f=1} f && /^    void / {sub(/^    void /, ""); sub(/\(.*/, ""); print; f=0}' "$src")
fi
logs="$root/core/target/fuzz-logs"; mkdir -p "$logs"
# shellcheck disable=SC2086
mvn -B -q ${MVN_ARGS:-} -f "$root/pom.xml" -pl core test-compile >"$logs/compile.log" 2>&1 || { cat "$logs/compile.log"; exit 2; }

printf '%s, %s s per target, Jazzer %s\n\n' "$(date -u +%F)" "$secs" \
  "$(sed -n 's:.*<jazzer.version>\(.*\)</jazzer.version>.*:\1:p' "$root/pom.xml")"
printf '| target | executions | exec/s | coverage (cov / ft) | corpus | crashes |\n|---|---|---|---|---|---|\n'
total_crashes=0
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  before=$(find "$inputs/$t" -name 'crash-*' 2>/dev/null | wc -l)
  # shellcheck disable=SC2086
  JAZZER_FUZZ=1 JAZZER_MAX_DURATION="${secs}s" mvn -B ${MVN_ARGS:-} -f "$root/pom.xml" -pl core surefire:test \
    -Dtest="$class#$t" -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1
  after=$(find "$inputs/$t" -name 'crash-*' 2>/dev/null | wc -l)
  crashes=$((after - before))
  # libFuzzer's closing lines: "#N DONE cov: C ft: F corp: K/Sb ..." and "Done N runs in S second(s)".
  runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 \2/p' "$log" | tail -1)
  n=${runs% *}; s=${runs#* }
  stat=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/\1 \/ \2/p' <<<"$stat")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$stat")
  if [ -z "$runs" ]; then n="?"; rate="?"; else rate=$(( s > 0 ? n / s : n )); fi
  if [ "$crashes" -eq 0 ] && grep -q 'FuzzTestFindingException\|BUILD FAILURE' "$log"; then
    crashes="failed (see $log)"; total_crashes=$((total_crashes + 1))
  else
    total_crashes=$((total_crashes + crashes))
  fi
  printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "$n" "$rate" "${cov:-?}" "${corp:-?}" "$crashes"
done
echo
echo "logs: $logs"
[ "$total_crashes" -eq 0 ]
