#!/bin/sh
# Ferrum RedisHA: redis-init, rendered by components/redis-ha/scripts.ts.
# Usage: sh init.sh TEMPLATE RULES CONFIG
# Env: REDIS_USERS_DIR (the users Secret: a file per ACL user, a password or #<sha256> per line).
# POD_NAME: <statefulset>-<ordinal>.
# Copies redis.conf to CONFIG and appends the ACL users, masterauth, this pod's announce address and, unless
# this pod is the master of ferrum-cache, replicaof. The master is the one the Sentinels name (asked for up
# to 60 s); failing that a peer that is master; failing that pod 0.
set -eu
set -f
umask 077
: "${REDIS_USERS_DIR:?REDIS_USERS_DIR must be set}"
template="$1"
rules="$2"
config="$3"
: "${POD_NAME:?POD_NAME must be set}"
case "${POD_NAME##*-}" in
  0) self_host='redis-cache'; self_port=6379 ;;
  *) echo "redis-init: no address for pod $POD_NAME" >&2; exit 1 ;;
esac
password_of() {
  pw=$(sed -n 1p "$REDIS_USERS_DIR/$1" 2>/dev/null) || pw=""
  case "$pw" in
    ''|*[!A-Za-z0-9]*) echo "redis-init: $REDIS_USERS_DIR/$1 must start with a password of letters and digits" >&2; return 1 ;;
  esac
  printf '%s' "$pw"
}
acl_users() {
  while read -r acl_user acl_rules; do
    if [ -z "$acl_user" ]; then continue; fi
    acl_file="$REDIS_USERS_DIR/$acl_user"
    acl_hashes=""
    if [ -f "$acl_file" ]; then
      while IFS= read -r acl_secret || [ -n "$acl_secret" ]; do
        case "$acl_secret" in
          '') ;;
          '#'*) acl_hashes="$acl_hashes $acl_secret" ;;
          *[!A-Za-z0-9]*) echo "redis-init: $acl_file holds a password with other characters than letters and digits" >&2; return 1 ;;
          *) acl_hashes="$acl_hashes #$(printf '%s' "$acl_secret" | sha256sum | cut -d' ' -f1)" ;;
        esac
      done < "$acl_file"
    fi
    if [ -z "$acl_hashes" ]; then echo "redis-init: no password for ACL user $acl_user in $REDIS_USERS_DIR" >&2; return 1; fi
    printf 'user %s on%s %s\n' "$acl_user" "$acl_hashes" "$acl_rules"
  done < "$1"
}
ask() {
  ask_host="$1"
  ask_port="$2"
  shift 2
  timeout 5 redis-cli -e --user redis-probe -h "$ask_host" -p "$ask_port" --raw "$@" 2>/dev/null | tr -d '\r' || true
}
sentinel_master() {
  sm_name="$1"
  sm_skip="$2"
  shift 2
  sm_best=""
  sm_epoch=-1
  for sm_sentinel in "$@"; do
    if [ "$sm_sentinel" = "$sm_skip" ]; then continue; fi
    sm_addr=$(ask "${sm_sentinel% *}" "${sm_sentinel#* }" SENTINEL get-master-addr-by-name "$sm_name")
    sm_host=$(printf '%s\n' "$sm_addr" | sed -n 1p)
    sm_port=$(printf '%s\n' "$sm_addr" | sed -n 2p)
    case "$sm_host" in ''|*[!A-Za-z0-9.:-]*) continue ;; esac
    case "$sm_port" in ''|*[!0-9]*) continue ;; esac
    sm_e=$(ask "${sm_sentinel% *}" "${sm_sentinel#* }" SENTINEL master "$sm_name" | awk 'NR % 2 == 1 { k = $0; next } k == "config-epoch" { print; exit }')
    case "$sm_e" in ''|*[!0-9]*) sm_e=0 ;; esac
    if [ "$sm_e" -gt "$sm_epoch" ]; then sm_best="$sm_host $sm_port"; sm_epoch=$sm_e; fi
  done
  if [ -n "$sm_best" ]; then echo "$sm_best"; fi
}
peer_master() {
  pm_skip="$1"
  shift
  pm_best=""
  pm_replicas=-1
  for pm_peer in "$@"; do
    if [ "$pm_peer" = "$pm_skip" ]; then continue; fi
    pm_info=$(ask "${pm_peer% *}" "${pm_peer#* }" INFO replication)
    case "$pm_info" in *role:master*) ;; *) continue ;; esac
    pm_n=$(printf '%s\n' "$pm_info" | sed -n 's/^connected_slaves:\([0-9]*\)$/\1/p')
    pm_n=${pm_n:-0}
    if [ "$pm_n" -gt "$pm_replicas" ]; then pm_best="$pm_peer"; pm_replicas=$pm_n; fi
  done
  if [ -n "$pm_best" ]; then echo "$pm_best"; fi
}
REDISCLI_AUTH=$(password_of redis-probe)
export REDISCLI_AUTH
users=$(acl_users "$rules")
replication_password=$(password_of redis-replication)

deadline=$(($(date +%s) + 60))
while :; do
  master=$(sentinel_master 'ferrum-cache' '' 'sentinel-0 26379' 'sentinel-1 26379' 'sentinel-2 26379')
  if [ -n "$master" ]; then
    echo "redis-init: the Sentinels name ${master% *}:${master#* } as the master of ferrum-cache"
    break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then break; fi
  echo "redis-init: no Sentinel names the master of ferrum-cache yet; asking again for up to 60 s"
  sleep 2
done
if [ -z "$master" ]; then
  master=$(peer_master "$self_host $self_port" 'redis-cache 6379')
  if [ -n "$master" ]; then
    echo "redis-init: no Sentinel answered within 60 s; peer ${master% *}:${master#* } is a master"
  else
    master='redis-cache 6379'
    echo "redis-init: no Sentinel and no master peer answered within 60 s; the initial master is ${master% *}:${master#* }"
  fi
fi
cp "$template" "$config"
{
  echo
  echo "# Appended by the init container."
  printf '%s\n' "$users"
  printf 'masterauth "%s"\n' "$replication_password"
  echo "replica-announce-ip $self_host"
  if [ "$master" != "$self_host $self_port" ]; then echo "replicaof $master"; fi
} >> "$config"
if [ "$master" = "$self_host $self_port" ]; then echo "redis-init: $self_host starts as the master"; else echo "redis-init: $self_host starts as a replica"; fi
