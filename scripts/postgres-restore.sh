#!/usr/bin/env bash
# Restores one service's database of a k3s (dev) stack from its backups, in an emergency.
#
#   scripts/postgres-restore.sh [--namespace NS] [--context CTX] [--yes] SERVICE [BACKUP]
#
# BACKUP is `latest` (the default) or a backup's name as the backup Jobs print it (20261203T020000Z). The
# command creates a Job from the suspended CronJob `postgres-restore` with the service and backup set, waits for
# it and prints its logs. The Job downloads the dump, checks its SHA-256 sum, restores it into a scratch
# database as the service's role and swaps it in: the database it replaces is kept, closed to connections, as
# <database>_before_<time> (the Job's last line names it). Needs only kubectl with access to the namespace.
set -euo pipefail

usage() {
  sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

namespace=ferrum
context=()
yes=false
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n | --namespace) namespace=${2:?--namespace needs a value}; shift 2 ;;
    --context) context=(--context "${2:?--context needs a value}"); shift 2 ;;
    -y | --yes) yes=true; shift ;;
    -h | --help) usage ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) args+=("$1"); shift ;;
  esac
done
[ ${#args[@]} -ge 1 ] && [ ${#args[@]} -le 2 ] || usage
service=${args[0]}
backup=${args[1]:-latest}
if ! [[ $service =~ ^[a-z][a-z0-9-]*$ ]]; then
  echo "SERVICE must be a service name such as catalog (got \"$service\")" >&2
  exit 2
fi
if [ "$backup" != latest ] && ! [[ $backup =~ ^[0-9]{8}T[0-9]{6}Z$ ]]; then
  echo "BACKUP must be latest or a backup name such as 20261203T020000Z (got \"$backup\")" >&2
  exit 2
fi

kc() { kubectl "${context[@]}" --namespace "$namespace" "$@"; }

if ! kc get cronjob postgres-restore >/dev/null; then
  echo "no CronJob postgres-restore in namespace $namespace: is this a k3s stack with ferrum:postgres.backup.enabled?" >&2
  exit 1
fi
if [ "$yes" != true ]; then
  if [ ! -t 0 ]; then
    echo "refusing to replace the $service database without a terminal to confirm on: add --yes" >&2
    exit 2
  fi
  read -r -p "Replace the $service database in $namespace with backup $backup? Type the service name to go on: " answer
  if [ "$answer" != "$service" ]; then
    echo "not confirmed: nothing was changed" >&2
    exit 1
  fi
fi

job="postgres-restore-$(date -u +%Y%m%d%H%M%S)"
kc create job "$job" --from=cronjob/postgres-restore --dry-run=client --output=json |
  kubectl set env --local --filename=- --output=json --containers='*' \
    FERRUM_RESTORE_SERVICE="$service" FERRUM_RESTORE_BACKUP="$backup" |
  kc create --filename=- >/dev/null
echo "job/$job started: restoring $service from backup $backup"

# A restore is bounded by the Job's own deadline (an hour); poll a little past it.
status=""
for _ in $(seq 1 740); do
  status=$(kc get job "$job" --output=jsonpath='{.status.succeeded}/{.status.failed}')
  case "$status" in
    1/*) break ;;
    */[1-9]*) break ;;
  esac
  sleep 5
done
kc logs "job/$job" --all-containers --prefix || true
case "$status" in
  1/*) echo "job/$job succeeded" ;;
  */[1-9]*) echo "job/$job failed: the logs above say why; the live database was not swapped unless they say so" >&2; exit 1 ;;
  *) echo "job/$job did not finish in time; follow it with: kubectl --namespace $namespace logs -f job/$job --all-containers" >&2; exit 1 ;;
esac
