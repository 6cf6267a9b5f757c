#!/bin/sh
# Ferrum RedisHA: sentinel-init, rendered by components/redis-ha/scripts.ts.
# Usage: sh init.sh TEMPLATE CONFIG
# Env: POD_NAME (<statefulset>-<ordinal>), REDIS_PASSWORD, and REDISCLI_AUTH (the same password) for redis-cli.
# Copies sentinel.conf to CONFIG, points `sentinel monitor` at the master the other Sentinels name (if any
# answers), waits for the master's DNS record, and appends the password and this pod's announce address.
set -eu
template="$1"
config="$2"
: "${POD_NAME:?POD_NAME must be set}"
: "${REDIS_PASSWORD:?REDIS_PASSWORD must be set}"
# Letters and digits only (RandomPassword with special: false): Sentinel 7.0 writes `sentinel auth-pass`
# back unquoted when it rewrites its config, so a space or quote would stop it from reading the file again.
case "$REDIS_PASSWORD" in *[!A-Za-z0-9]*) echo "sentinel-init: REDIS_PASSWORD must hold only letters and digits" >&2; exit 1 ;; esac
umask 077
case "${POD_NAME##*-}" in
  0) self_host='sentinel-0'; self_port=26379 ;;
  1) self_host='sentinel-1'; self_port=26379 ;;
  2) self_host='sentinel-2'; self_port=26379 ;;
  *) echo "sentinel-init: no address for pod $POD_NAME" >&2; exit 1 ;;
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
master=$(current_master "$self_host $self_port" 'sentinel-0 26379' 'sentinel-1 26379' 'sentinel-2 26379')
if [ -n "$master" ]; then
  echo "sentinel-init: another Sentinel names ${master% *}:${master#* } as the master"
else
  echo "sentinel-init: no other Sentinel answered; monitoring the initial master redis:6379"
fi
# Sentinel refuses to load a `sentinel monitor` whose host does not resolve: wait for its DNS record.
wait_for='redis'
if [ -n "$master" ]; then wait_for="${master% *}"; fi
waited=0
until getent hosts "$wait_for" >/dev/null; do
  if [ "$waited" -ge 120 ]; then echo "sentinel-init: $wait_for does not resolve" >&2; exit 1; fi
  sleep 2
  waited=$((waited + 2))
done
cp "$template" "$config"
if [ -n "$master" ]; then
  sed -i "s/^sentinel monitor ferrum [^ ]* [0-9]* /sentinel monitor ferrum $master /" "$config"
fi
{
  echo
  echo "# Appended by the init container."
  printf 'requirepass "%s"\n' "$REDIS_PASSWORD"
  printf 'sentinel auth-pass ferrum "%s"\n' "$REDIS_PASSWORD"
  echo "sentinel announce-ip $self_host"
} >> "$config"
