# Helpers the bench scripts share; source it. Needs $work (a scratch folder).

# host_mirrors: sets $archive and $security to the Debian archive and security suite the host's apt uses
# (the sources peel reads when a spec names none).
host_mirrors() {
  archive=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -1)
  security=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -- '-security' | head -1)
  [ -n "$archive" ] || archive=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
  [ -n "$archive" ] || { echo "no Debian archive in the host's apt sources" >&2; exit 1; }
  security=${security:-${archive%/}-security}
}

# mm_image LIST APTCACHE OUT: mmdebstrap --variant=extract rootfs of the packages LIST (comma-separated,
# amd64, bookworm + updates + security), its .debs kept in APTCACHE, then a one-layer OCI image in OUT/oci
# made with umoci, as ../peers do.
mm_image() {
  local list=$1 cache=$2 out=$3
  rm -rf "$out"; mkdir -p "$out" "$cache"
  mmdebstrap --quiet --arch=amd64 --mode=root --variant=extract --skip=output/dev --include="$list" \
    --setup-hook='mkdir -p "$1"/var/cache/apt/archives' --setup-hook="sync-in $cache /var/cache/apt/archives/" \
    --extract-hook="sync-out /var/cache/apt/archives $cache" \
    bookworm "$out/rootfs.tar" "deb $archive bookworm main" "deb $archive bookworm-updates main" \
    "deb $security bookworm-security main"
  umoci init --layout "$out/oci" && umoci new --image "$out/oci:img"
  umoci raw add-layer --no-history --image "$out/oci:img" "$out/rootfs.tar"
  umoci config --no-history --image "$out/oci:img" --created 1970-01-01T00:00:00Z --architecture amd64 --os linux
  umoci gc --layout "$out/oci"
}

# measure PREP CMD...: runs PREP (untimed) then CMD 3 times; prints "median_seconds median_peak_rss_MiB".
measure() {
  local prep=$1; shift; local ts=() rs=() i s k
  for i in 1 2 3; do
    eval "$prep"
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" >&2; exit 1; }
    read -r s k < "$work/time"; ts+=("$s"); rs+=("$((k / 1024))")
  done
  echo "$(printf '%s\n' "${ts[@]}" | sort -n | sed -n 2p) $(printf '%s\n' "${rs[@]}" | sort -n | sed -n 2p)"
}

ratio() { echo "scale=2; $1 / $2" | bc; }
