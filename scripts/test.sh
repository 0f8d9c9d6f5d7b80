#!/usr/bin/env bash
# Runs every test. First installs, when missing, the real tools the tests use as oracles:
# skopeo, umoci and podman (OCI tools), busybox-static (a static binary the built images run), util-linux's
# unshare (user namespaces), GNU tar, gzip, zstd, file, gnupg (signs test repositories) and dpkg (the
# version-ordering oracle, dpkg-deb and dpkg-query for package contents), apt (the resolution oracle) and
# xz-utils (peel decodes xz with it when present; the tests compare it with the Java decoder) and g++ (a C++
# program the cc preset runs), docker-registry (Debian's distribution registry, started on loopback by the
# registry tests), nginx-light (serves static registries in tests) and openssl (the test token issuer's
# certificate). Needs root (or sudo) to install, and root to run the user-namespace tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
packages=(skopeo umoci podman busybox-static util-linux tar gzip zstd xz-utils file gnupg dpkg apt g++ docker-registry nginx-light openssl)
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
exec mvn -B verify "$@"
