#!/usr/bin/env bash
# Runs every test. First installs, when missing, the real tools the tests use as oracles:
# skopeo, umoci and podman (OCI tools), busybox-static (a static binary the built images run), util-linux's
# unshare and bubblewrap (user namespaces; peel run's sandbox), GNU tar, gzip, zstd, file, gnupg (signs test repositories) and dpkg (the
# version-ordering oracle, dpkg-deb and dpkg-query for package contents), apt (the resolution oracle) and
# xz-utils (peel decodes xz with it when present; the tests compare it with the Java decoder), gcc (builds the
# libz shim the zlib-independence test preloads) and g++ (a C++
# program the cc preset runs), docker-registry (Debian's distribution registry, started on loopback by the
# registry tests), nginx-light (serves static registries in tests) and openssl (the test token issuer's
# certificate), nodejs and npm (when no node is on PATH). Then the npm packages the tests use as independent
# oracles (sigstore-js, CycloneDX's library with ajv, tweetnacl), pinned by oracles/npm/package-lock.json, into
# oracles/npm/node_modules. Needs root (or sudo) to install, and root to run the user-namespace tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
packages=(skopeo umoci podman busybox-static util-linux bubblewrap tar gzip zstd xz-utils file gnupg dpkg apt gcc g++ docker-registry nginx-light openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q nodejs npm
fi
if [ ! -f oracles/npm/node_modules/.package-lock.json ] || [ oracles/npm/package-lock.json -nt oracles/npm/node_modules/.package-lock.json ]; then
  echo "test.sh: installing the npm oracles into oracles/npm/node_modules" >&2
  (cd oracles/npm && npm ci --no-audit --no-fund --loglevel=error)
fi
exec mvn -B verify "$@"
