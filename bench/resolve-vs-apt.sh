#!/usr/bin/env bash
# peel resolve vs apt-get -s on the same mirror and suites, in one run: the closure of
# openjdk-17-jre-headless for amd64 (or the packages given), cold and warm, 3 runs each (median).
#   cold: nothing cached — peel fetches, verifies, decompresses and parses the indexes into an empty cache;
#         apt runs `update` into an empty private lists directory first.
#   warm: peel still fetches and verifies the (small) InRelease files, then reads the decompressed indexes
#         from its cache, checked against the signed hashes, and parses them; apt reuses its lists
#         (`apt-get -s` alone).
# usage: bench/resolve-vs-apt.sh [PACKAGE...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkgs=("$@"); [ ${#pkgs[@]} -eq 0 ] && pkgs=(openjdk-17-jre-headless)
"$root/peel" --version >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
printf 'archs: [amd64]\ndebian:\n  suite: bookworm\n  packages: [%s]\n' "$(IFS=,; echo "${pkgs[*]}")" > "$work/spec.yaml"

# A private apt over the same sources the peel spec reads (the host's Debian archive and its security suite).
. "$root/bench/lib.sh"
host_mirrors
mkdir -p "$work/apt/parts" "$work/apt/cache/archives/partial"
touch "$work/apt/status"
cat > "$work/apt/parts/b.sources" <<SRC
Types: deb
URIs: $archive
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_opts=(-o "Dir::Etc::SourceList=$work/apt/none" -o "Dir::Etc::SourceParts=$work/apt/parts" -o "Dir::State::Lists=$work/apt/lists"
  -o "Dir::Cache=$work/apt/cache" -o "Dir::State::status=$work/apt/status" -o APT::Architecture=amd64 -o APT::Architectures=amd64
  -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o Acquire::Languages=none -o "Dir::Etc::PreferencesParts=$work/apt/none.d")

t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
apt_cold() { rm -rf "$work/apt/lists"; mkdir -p "$work/apt/lists/partial"; apt-get -q "${apt_opts[@]}" update && apt-get -s --no-install-recommends "${apt_opts[@]}" install "${pkgs[@]}"; }
apt_warm() { apt-get -s --no-install-recommends "${apt_opts[@]}" install "${pkgs[@]}"; }
peel_run() { "$root/peel" resolve --cache "$work/cache" "$work/spec.yaml"; }
peel_cold() { rm -rf "$work/cache"; peel_run; }

pc=(); pw=(); ac=(); aw=()
for i in 1 2 3; do pc+=("$(t peel_cold)"); done
for i in 1 2 3; do pw+=("$(t peel_run)"); done
for i in 1 2 3; do ac+=("$(t apt_cold)"); done
for i in 1 2 3; do aw+=("$(t apt_warm)"); done
n_peel=$(peel_run | wc -l); n_apt=$(apt_warm | grep -c '^Inst ')
echo "| run | peel resolve s | apt-get -s s |"
echo "|---|---|---|"
echo "| cold | $(median "${pc[@]}") | $(median "${ac[@]}") (update + -s) |"
echo "| warm | $(median "${pw[@]}") | $(median "${aw[@]}") |"
echo
echo "- packages: ${pkgs[*]}; closure: peel $n_peel packages, apt $n_apt"
