/**
 * The building blocks of the in-cluster Redis's shell scripts (init-scripts.ts, scripts.ts): the env they
 * read, their topologies and waits, quoting, and the shell functions they share (reading a user's passwords,
 * applying ACL users, asking a server, asking the Sentinels and the peers who is master). Pure.
 */
import { INTERNAL_USERS } from "./acl";
import type { Endpoint } from "./types";

/** Env var naming the directory of the users Secret. */
export const USERS_DIR_ENV = "REDIS_USERS_DIR";
/** Env var redis-cli reads the password from. */
export const REDISCLI_AUTH_ENV = "REDISCLI_AUTH";
/** Env var holding the pod's name (`<statefulset>-<ordinal>`, from the downward API). */
export const POD_NAME_ENV = "POD_NAME";

/** How long a Redis pod's init asks the Sentinels before it looks elsewhere, seconds. */
export const DEFAULT_SENTINEL_WAIT_SECONDS = 60;
/** How long a Sentinel without state asks the other Sentinels and the Redis pods, seconds. */
export const DEFAULT_PEER_WAIT_SECONDS = 10;
/** How long the users Job waits for each server to answer, seconds. */
export const USERS_JOB_WAIT_SECONDS = 300;
/** Seconds the Sentinel init waits for a master's DNS record (Sentinel refuses to start without it). */
export const SENTINEL_DNS_WAIT_SECONDS = 120;

/** A master group as the scripts see it. */
export interface ScriptGroup {
  readonly masterName: string;
  /** Its Redis pods by ordinal; pod 0 is the initial master. */
  readonly redis: readonly Endpoint[];
}

/** What a Redis pod's init needs: its group and every Sentinel. */
export interface RedisScriptTopology extends ScriptGroup {
  readonly sentinels: readonly Endpoint[];
}

/** What a Sentinel's init needs: every group it monitors and every Sentinel. */
export interface SentinelScriptTopology {
  readonly groups: readonly ScriptGroup[];
  readonly sentinels: readonly Endpoint[];
}

/** Single-quotes a word for sh. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export const endpointWord = (e: Endpoint): string => shellQuote(`${e.host} ${e.port}`);
export const words = (endpoints: readonly Endpoint[]): string => endpoints.map(endpointWord).join(" ");

/** `case` arms setting self_host/self_port from the pod's ordinal. */
export function selfAddress(endpoints: readonly Endpoint[], script: string): string[] {
  return [
    `case "\${${POD_NAME_ENV}##*-}" in`,
    ...endpoints.map((e, i) => `  ${i}) self_host=${shellQuote(e.host)}; self_port=${e.port} ;;`),
    `  *) echo "${script}: no address for pod $${POD_NAME_ENV}" >&2; exit 1 ;;`,
    "esac",
  ];
}

/** Arguments, required env, and globbing off (ACL rules are full of `*`). */
export function preamble(script: string, usage: string, purpose: readonly string[]): string[] {
  return [
    "#!/bin/sh",
    `# Ferrum RedisHA: ${script}, rendered by components/redis-ha/scripts.ts.`,
    `# Usage: ${usage}`,
    `# Env: ${USERS_DIR_ENV} (the users Secret: a file per ACL user, a password or #<sha256> per line).`,
    ...purpose.map((l) => `# ${l}`),
    "set -eu",
    "set -f",
    "umask 077",
    `: "\${${USERS_DIR_ENV}:?${USERS_DIR_ENV} must be set}"`,
  ];
}

/**
 * `password_of USER`: the password USER logs in with (the first line of its file), letters and digits only:
 * Sentinel 7.0 writes `auth-pass` and `sentinel-pass` back unquoted when it rewrites its config.
 */
export function passwordFunction(script: string): string[] {
  return [
    "password_of() {",
    `  pw=$(sed -n 1p "$${USERS_DIR_ENV}/$1" 2>/dev/null) || pw=""`,
    '  case "$pw" in',
    `    ''|*[!A-Za-z0-9]*) echo "${script}: $${USERS_DIR_ENV}/$1 must start with a password of letters and digits" >&2; return 1 ;;`,
    "  esac",
    "  printf '%s' \"$pw\"",
    "}",
  ];
}

/**
 * `acl_users RULES`: one `user <name> on #<sha256>... <rules>` line per line `<name> <rules>` of RULES, with
 * every password or hash in the user's file. A user without a file, or with an empty one, stops the script.
 */
export function aclUsersFunction(script: string): string[] {
  return [
    "acl_users() {",
    "  while read -r acl_user acl_rules; do",
    '    if [ -z "$acl_user" ]; then continue; fi',
    `    acl_file="$${USERS_DIR_ENV}/$acl_user"`,
    '    acl_hashes=""',
    '    if [ -f "$acl_file" ]; then',
    '      while IFS= read -r acl_secret || [ -n "$acl_secret" ]; do',
    '        case "$acl_secret" in',
    "          '') ;;",
    `          '#'*) acl_hashes="$acl_hashes $acl_secret" ;;`,
    `          *[!A-Za-z0-9]*) echo "${script}: $acl_file holds a password with other characters than letters and digits" >&2; return 1 ;;`,
    "          *) acl_hashes=\"$acl_hashes #$(printf '%s' \"$acl_secret\" | sha256sum | cut -d' ' -f1)\" ;;",
    "        esac",
    '      done < "$acl_file"',
    "    fi",
    `    if [ -z "$acl_hashes" ]; then echo "${script}: no password for ACL user $acl_user in $${USERS_DIR_ENV}" >&2; return 1; fi`,
    '    printf \'user %s on%s %s\\n\' "$acl_user" "$acl_hashes" "$acl_rules"',
    '  done < "$1"',
    "}",
  ];
}

/** `ask HOST PORT COMMAND...`: the raw reply of one command as the probe user, empty on any failure. */
export function askFunction(): string[] {
  return [
    "ask() {",
    '  ask_host="$1"',
    '  ask_port="$2"',
    "  shift 2",
    `  timeout 5 redis-cli -e --user ${INTERNAL_USERS.probe} -h "$ask_host" -p "$ask_port" --raw "$@" 2>/dev/null | tr -d '\\r' || true`,
    "}",
  ];
}

/**
 * `sentinel_master NAME SKIP SENTINEL...`: `host port` of NAME's master as named by the answering Sentinel
 * with the highest config epoch (SKIP, a `host port` pair or '', is not asked); nothing if none answers. The
 * address is GET-MASTER-ADDR-BY-NAME's, which names the promoted replica while a failover reconfigures the
 * other replicas (SENTINEL MASTER still shows the old master then); the epoch is SENTINEL MASTER's.
 */
export function sentinelMasterFunction(): string[] {
  return [
    "sentinel_master() {",
    '  sm_name="$1"',
    '  sm_skip="$2"',
    "  shift 2",
    '  sm_best=""',
    "  sm_epoch=-1",
    '  for sm_sentinel in "$@"; do',
    '    if [ "$sm_sentinel" = "$sm_skip" ]; then continue; fi',
    '    sm_addr=$(ask "${sm_sentinel% *}" "${sm_sentinel#* }" SENTINEL get-master-addr-by-name "$sm_name")',
    "    sm_host=$(printf '%s\\n' \"$sm_addr\" | sed -n 1p)",
    "    sm_port=$(printf '%s\\n' \"$sm_addr\" | sed -n 2p)",
    "    case \"$sm_host\" in ''|*[!A-Za-z0-9.:-]*) continue ;; esac",
    "    case \"$sm_port\" in ''|*[!0-9]*) continue ;; esac",
    '    sm_e=$(ask "${sm_sentinel% *}" "${sm_sentinel#* }" SENTINEL master "$sm_name" | awk \'NR % 2 == 1 { k = $0; next } k == "config-epoch" { print; exit }\')',
    "    case \"$sm_e\" in ''|*[!0-9]*) sm_e=0 ;; esac",
    '    if [ "$sm_e" -gt "$sm_epoch" ]; then sm_best="$sm_host $sm_port"; sm_epoch=$sm_e; fi',
    "  done",
    '  if [ -n "$sm_best" ]; then echo "$sm_best"; fi',
    "}",
  ];
}

/**
 * `peer_master SKIP PEER...`: `host port` of the peer that reports itself master, the one with the most
 * connected replicas if several do (SKIP, the caller's own address or '', is not asked); nothing if none does.
 */
export function peerMasterFunction(): string[] {
  return [
    "peer_master() {",
    '  pm_skip="$1"',
    "  shift",
    '  pm_best=""',
    "  pm_replicas=-1",
    '  for pm_peer in "$@"; do',
    '    if [ "$pm_peer" = "$pm_skip" ]; then continue; fi',
    '    pm_info=$(ask "${pm_peer% *}" "${pm_peer#* }" INFO replication)',
    '    case "$pm_info" in *role:master*) ;; *) continue ;; esac',
    "    pm_n=$(printf '%s\\n' \"$pm_info\" | sed -n 's/^connected_slaves:\\([0-9]*\\)$/\\1/p')",
    "    pm_n=${pm_n:-0}",
    '    if [ "$pm_n" -gt "$pm_replicas" ]; then pm_best="$pm_peer"; pm_replicas=$pm_n; fi',
    "  done",
    '  if [ -n "$pm_best" ]; then echo "$pm_best"; fi',
    "}",
  ];
}

/** Timing of the init scripts' questions; the real-server tests may shorten them. */
export interface InitWaits {
  /** @default DEFAULT_SENTINEL_WAIT_SECONDS */
  readonly sentinelWaitSeconds?: number;
  /** @default DEFAULT_PEER_WAIT_SECONDS */
  readonly peerWaitSeconds?: number;
}

/** The script text: one line each, newline-terminated. */
export const lines = (ls: readonly string[]): string => `${ls.join("\n")}\n`;
