#!/bin/sh
# Ferrum RedisHA: redis-init, rendered by components/redis-ha/scripts.ts.
# Usage: sh init.sh TEMPLATE CONFIG
# Env: POD_NAME (<statefulset>-<ordinal>), REDIS_PASSWORD, and REDISCLI_AUTH (the same password) for redis-cli.
# Copies redis.conf to CONFIG and appends the password, this pod's announce address and, unless this pod
# is the master, replicaof. The master is whoever the Sentinels name; with no answer (first start), pod 0.
set -eu
template="$1"
config="$2"
: "${POD_NAME:?POD_NAME must be set}"
: "${REDIS_PASSWORD:?REDIS_PASSWORD must be set}"
# Letters and digits only (RandomPassword with special: false): Sentinel 7.0 writes `sentinel auth-pass`
# back unquoted when it rewrites its config, so a space or quote would stop it from reading the file again.
case "$REDIS_PASSWORD" in *[!A-Za-z0-9]*) echo "redis-init: REDIS_PASSWORD must hold only letters and digits" >&2; exit 1 ;; esac
umask 077
case "${POD_NAME##*-}" in
  0) self_host='redis'; self_port=6379 ;;
  *) echo "redis-init: no address for pod $POD_NAME" >&2; exit 1 ;;
esac
current_master() {
  skip="$1"
  shift
  for sentinel in "$@"; do
    if [ "$sentinel" = "$skip" ]; then continue; fi
    reply=$(timeout 5 redis-cli -e -h "${sentinel% *}" -p "${sentinel#* }" --raw SENTINEL get-master-addr-by-name 'ferrum' 2>/dev/null) || continue
    host=$(printf '%s\n' "$reply" | sed -n 1p)
    port=$(printf '%s\n' "$reply" | sed -n 2p)
    case "$host" in ''|*[!A-Za-z0-9.:-]*) continue ;; esac
    case "$port" in ''|*[!0-9]*) continue ;; esac
    echo "$host $port"
    return 0
  done
}
master=$(current_master '' 'sentinel-0 26379' 'sentinel-1 26379' 'sentinel-2 26379')
if [ -n "$master" ]; then
  echo "redis-init: the Sentinels name ${master% *}:${master#* } as the master"
else
  master='redis 6379'
  echo "redis-init: no Sentinel answered; the initial master is ${master% *}:${master#* }"
fi
cp "$template" "$config"
{
  echo
  echo "# Appended by the init container."
  printf 'requirepass "%s"\n' "$REDIS_PASSWORD"
  printf 'masterauth "%s"\n' "$REDIS_PASSWORD"
  echo "replica-announce-ip $self_host"
  if [ "$master" != "$self_host $self_port" ]; then echo "replicaof $master"; fi
} >> "$config"
if [ "$master" = "$self_host $self_port" ]; then echo "redis-init: $self_host starts as the master"; else echo "redis-init: $self_host starts as a replica"; fi
