#!/bin/sh
# Ferrum RedisHA: sentinel-init, rendered by components/redis-ha/scripts.ts.
# Usage: sh init.sh TEMPLATE RULES CONFIG
# Env: REDIS_USERS_DIR (the users Secret: a file per ACL user, a password or #<sha256> per line).
# POD_NAME: <statefulset>-<ordinal>. CONFIG is on the Sentinel's volume claim and keeps its state.
# Renders sentinel.conf into CONFIG: each `sentinel monitor` at the master the previous run's state names;
# without state, the one the other Sentinels or the group's Redis pods name (asked for up to 10 s);
# failing that pod 0. Carries over the state, then appends the ACL users and the credentials it sends.
set -eu
set -f
umask 077
: "${REDIS_USERS_DIR:?REDIS_USERS_DIR must be set}"
template="$1"
rules="$2"
config="$3"
: "${POD_NAME:?POD_NAME must be set}"
case "${POD_NAME##*-}" in
  0) self_host='sentinel-0'; self_port=26379 ;;
  1) self_host='sentinel-1'; self_port=26379 ;;
  2) self_host='sentinel-2'; self_port=26379 ;;
  *) echo "sentinel-init: no address for pod $POD_NAME" >&2; exit 1 ;;
esac
password_of() {
  pw=$(sed -n 1p "$REDIS_USERS_DIR/$1" 2>/dev/null) || pw=""
  case "$pw" in
    ''|*[!A-Za-z0-9]*) echo "sentinel-init: $REDIS_USERS_DIR/$1 must start with a password of letters and digits" >&2; return 1 ;;
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
          *[!A-Za-z0-9]*) echo "sentinel-init: $acl_file holds a password with other characters than letters and digits" >&2; return 1 ;;
          *) acl_hashes="$acl_hashes #$(printf '%s' "$acl_secret" | sha256sum | cut -d' ' -f1)" ;;
        esac
      done < "$acl_file"
    fi
    if [ -z "$acl_hashes" ]; then echo "sentinel-init: no password for ACL user $acl_user in $REDIS_USERS_DIR" >&2; return 1; fi
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
sentinel_password=$(password_of redis-sentinel)

# The previous run's state: the master Sentinel last knew for each group.
master_0=""
master_1=""
if [ -s "$config" ]; then
  echo "sentinel-init: carrying over the state kept in $config"
  master_0=$(sed -n "s/^sentinel monitor ferrum \([^ ]*\) \([0-9]*\) [0-9]*$/\1 \2/p" "$config" | head -n 1)
  master_1=$(sed -n "s/^sentinel monitor ferrum-cache \([^ ]*\) \([0-9]*\) [0-9]*$/\1 \2/p" "$config" | head -n 1)
fi
deadline=$(($(date +%s) + 10))
while :; do
  missing=0
  if [ -z "$master_0" ]; then master_0=$(sentinel_master 'ferrum' "$self_host $self_port" 'sentinel-0 26379' 'sentinel-1 26379' 'sentinel-2 26379'); fi
  if [ -z "$master_0" ]; then master_0=$(peer_master '' 'redis 6379'); fi
  if [ -z "$master_0" ]; then missing=1; fi
  if [ -z "$master_1" ]; then master_1=$(sentinel_master 'ferrum-cache' "$self_host $self_port" 'sentinel-0 26379' 'sentinel-1 26379' 'sentinel-2 26379'); fi
  if [ -z "$master_1" ]; then master_1=$(peer_master '' 'redis-cache 6379'); fi
  if [ -z "$master_1" ]; then missing=1; fi
  if [ "$missing" -eq 0 ] || [ "$(date +%s)" -ge "$deadline" ]; then break; fi
  sleep 2
done

next="$config.next"
cp "$template" "$next"
if [ -n "$master_0" ]; then
  echo "sentinel-init: ferrum's master is ${master_0% *}:${master_0#* }"
  sed -i "s/^sentinel monitor ferrum [^ ]* [0-9]* /sentinel monitor ferrum $master_0 /" "$next"
else
  echo "sentinel-init: nobody knows ferrum's master; monitoring its initial master redis:6379"
fi
if [ -n "$master_1" ]; then
  echo "sentinel-init: ferrum-cache's master is ${master_1% *}:${master_1#* }"
  sed -i "s/^sentinel monitor ferrum-cache [^ ]* [0-9]* /sentinel monitor ferrum-cache $master_1 /" "$next"
else
  echo "sentinel-init: nobody knows ferrum-cache's master; monitoring its initial master redis-cache:6379"
fi
# Sentinel refuses to load a `sentinel monitor` whose host does not resolve: wait for each master's DNS record.
for wait_for in $(sed -n 's/^sentinel monitor [^ ]* \([^ ]*\) .*$/\1/p' "$next"); do
  waited=0
  until getent hosts "$wait_for" >/dev/null; do
    if [ "$waited" -ge 120 ]; then echo "sentinel-init: $wait_for does not resolve" >&2; exit 1; fi
    sleep 2
    waited=$((waited + 2))
  done
done
{
if [ -s "$config" ]; then
  grep -E '^sentinel (myid|current-epoch) |^sentinel (config-epoch|leader-epoch|known-replica|known-sentinel) (ferrum|ferrum-cache) ' "$config" || true
fi
  echo
  echo "# Appended by the init container."
  printf '%s\n' "$users"
  printf 'sentinel auth-pass ferrum "%s"\n' "$sentinel_password"
  printf 'sentinel auth-pass ferrum-cache "%s"\n' "$sentinel_password"
  printf 'sentinel sentinel-pass "%s"\n' "$sentinel_password"
  echo "sentinel announce-ip $self_host"
} >> "$next"
mv "$next" "$config"
