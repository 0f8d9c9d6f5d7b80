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

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on just now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# registry_start DIR: Debian's docker-registry (distribution 2.8) on a fresh 127.0.0.1 port, storage in DIR
# (emptied first), log in DIR.log; sets $reg (host:port) and $reg_pid. A fresh port per start also means no
# client (peel's cache, skopeo's blob-info cache) knows anything about this registry: a cold start.
registry_start() {
  local dir=$1 port i
  registry_stop
  rm -rf "$dir"; mkdir -p "$dir/data"
  port=$(free_port)
  printf 'version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$dir/data" "$port" > "$dir/config.yml"
  /usr/bin/docker-registry serve "$dir/config.yml" >"$dir.log" 2>&1 </dev/null &
  reg_pid=$!; reg=127.0.0.1:$port
  for i in $(seq 1 200); do
    curl -fsS "http://$reg/v2/" >/dev/null 2>&1 && return 0
    kill -0 "$reg_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "docker-registry did not come up on $reg; its log:" >&2; cat "$dir.log" >&2; exit 1
}

# registry_stop: stops the registry registry_start started, if any, and waits for it to end.
registry_stop() {
  [ -n "${reg_pid:-}" ] || return 0
  kill "$reg_pid" 2>/dev/null || true
  wait "$reg_pid" 2>/dev/null || true
  reg_pid=
}
