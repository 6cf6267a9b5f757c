/**
 * The shell scripts of the in-cluster Redis (init containers, the users Job) and the probes' commands,
 * rendered. Pure: every address and every wait is a parameter, so the real-server tests run these very
 * scripts against loopback servers.
 *
 * No password appears in a script, a ConfigMap or a command line. The scripts read them from the users Secret,
 * mounted as a directory (`REDIS_USERS_DIR`) with one file per ACL user: one password per line, the one the
 * user logs in with first, then the previous one while a rotation is under way (credentials.ts). A line is
 * either a password (letters and digits) or a SHA-256 hash as ACL rules write it (`#<64 hex digits>`): the
 * servers need in the clear only the passwords they send (replication, Sentinel) or probe with. redis-cli reads
 * its password from `REDISCLI_AUTH`, never from its arguments.
 *
 * The init scripts (who is master after a restart) are in init-scripts.ts, the shell functions and constants
 * they share in script-parts.ts; both are re-exported here.
 */
import { INTERNAL_USERS } from "./acl";
import type { Endpoint } from "./types";
import {
  aclUsersFunction,
  lines,
  passwordFunction,
  preamble,
  REDISCLI_AUTH_ENV,
  shellQuote,
  USERS_DIR_ENV,
  USERS_JOB_WAIT_SECONDS,
} from "./script-parts";

export { renderRedisInitScript, renderSentinelInitScript } from "./init-scripts";
export {
  DEFAULT_PEER_WAIT_SECONDS,
  DEFAULT_SENTINEL_WAIT_SECONDS,
  type InitWaits,
  POD_NAME_ENV,
  REDISCLI_AUTH_ENV,
  type RedisScriptTopology,
  type ScriptGroup,
  SENTINEL_DNS_WAIT_SECONDS,
  type SentinelScriptTopology,
  shellQuote,
  USERS_DIR_ENV,
  USERS_JOB_WAIT_SECONDS,
} from "./script-parts";

/** Where the users Job reaches each server, and which rules file applies there. */
export interface UsersJobTarget {
  readonly kind: "data" | "cache" | "sentinel";
  readonly endpoint: Endpoint;
}

/**
 * The users Job (`sh users.sh RULES_DIR`): brings the ACL users of every running server in line with the users
 * Secret, without a restart. RULES_DIR holds `data.acl`, `cache.acl` and `sentinel.acl`; in the Job's users
 * directory, redis-admin's file holds its passwords in the clear (it logs in with whichever works).
 * Two passes, so that no server ever sends a password another does not accept yet: first every server's users
 * (each `ACL SETUSER <user> reset on <hashes> <rules>`, atomic; users that left the rules are deleted), then
 * the credentials each server sends (masterauth; each group's auth-pass and sentinel-pass). Connections stay
 * up: ACL changes never drop an authenticated client.
 */
export function renderUsersJobScript(
  targets: readonly UsersJobTarget[],
  masterNames: readonly string[],
  waitSeconds = USERS_JOB_WAIT_SECONDS,
): string {
  const list = targets.map((t) => shellQuote(`${t.kind} ${t.endpoint.host} ${t.endpoint.port}`)).join(" ");
  const admin = INTERNAL_USERS.admin;
  return lines([
    ...preamble("redis-users", "sh users.sh RULES_DIR", [
      "Applies the users of RULES_DIR/<kind>.acl to every server, then the credentials each server sends.",
    ]),
    'rules_dir="$1"',
    ...passwordFunction("redis-users"),
    ...aclUsersFunction("redis-users"),
    "# `admin HOST PORT COMMAND...` as redis-admin, with REDISCLI_AUTH set by login.",
    "admin() {",
    '  ad_host="$1"',
    '  ad_port="$2"',
    "  shift 2",
    `  timeout 10 redis-cli -e --user ${admin} -h "$ad_host" -p "$ad_port" --raw "$@"`,
    "}",
    `# \`login HOST PORT\`: waits up to ${waitSeconds} s until one of redis-admin's passwords is accepted; exports it.`,
    "login() {",
    `  lg_deadline=$(($(date +%s) + ${waitSeconds}))`,
    "  while :; do",
    `    while IFS= read -r lg_pw || [ -n "$lg_pw" ]; do`,
    '      if [ -z "$lg_pw" ]; then continue; fi',
    `      ${REDISCLI_AUTH_ENV}="$lg_pw"`,
    `      export ${REDISCLI_AUTH_ENV}`,
    '      if [ "$(admin "$1" "$2" PING 2>/dev/null | tr -d \'\\r\')" = PONG ]; then return 0; fi',
    `    done < "$${USERS_DIR_ENV}/${admin}"`,
    '    if [ "$(date +%s)" -ge "$lg_deadline" ]; then',
    `      echo "redis-users: $1:$2 accepted none of ${admin}'s passwords within ${waitSeconds} s" >&2`,
    "      return 1",
    "    fi",
    "    sleep 5",
    "  done",
    "}",
    `replication_password=$(password_of ${INTERNAL_USERS.replication})`,
    `sentinel_password=$(password_of ${INTERNAL_USERS.sentinel})`,
    "",
    "# Pass 1: every server's users.",
    `for target in ${list}; do`,
    "  kind=${target%% *}",
    "  rest=${target#* }",
    "  host=${rest% *}",
    "  port=${rest#* }",
    '  login "$host" "$port"',
    '  wanted=""',
    '  acl_users "$rules_dir/$kind.acl" > "$HOME/users.$$"',
    "  while read -r _ name setting; do",
    '    reply=$(admin "$host" "$port" ACL SETUSER "$name" reset $setting)',
    '    if [ "$reply" != OK ]; then echo "redis-users: ACL SETUSER $name on $host:$port answered: $reply" >&2; exit 1; fi',
    '    wanted="$wanted $name"',
    '  done < "$HOME/users.$$"',
    '  rm -f "$HOME/users.$$"',
    '  for name in $(admin "$host" "$port" ACL USERS); do',
    '    case " default $wanted " in *" $name "*) continue ;; esac',
    '    admin "$host" "$port" ACL DELUSER "$name" >/dev/null',
    '    echo "redis-users: $host:$port: deleted the user $name, which no rule names any more"',
    "  done",
    '  echo "redis-users: $host:$port ($kind): users applied"',
    "done",
    "",
    "# Pass 2: the credentials each server sends, now that every server accepts them.",
    `for target in ${list}; do`,
    "  kind=${target%% *}",
    "  rest=${target#* }",
    "  host=${rest% *}",
    "  port=${rest#* }",
    '  login "$host" "$port"',
    '  case "$kind" in',
    "    sentinel)",
    ...masterNames.map(
      (name) =>
        `      printf '%s' "$sentinel_password" | admin "$host" "$port" -x SENTINEL SET ${name} auth-pass >/dev/null`,
    ),
    '      printf \'%s\' "$sentinel_password" | admin "$host" "$port" -x SENTINEL CONFIG SET sentinel-pass >/dev/null',
    "      ;;",
    "    *)",
    '      printf \'%s\' "$replication_password" | admin "$host" "$port" -x CONFIG SET masterauth >/dev/null',
    "      ;;",
    "  esac",
    '  echo "redis-users: $host:$port ($kind): credentials applied"',
    "done",
  ]);
}

/** A shell snippet exporting REDISCLI_AUTH from the first line of `passwordFile` (the probe user's). */
const probeAuth = (passwordFile: string): string =>
  `${REDISCLI_AUTH_ENV}=$(sed -n 1p ${shellQuote(passwordFile)}); export ${REDISCLI_AUTH_ENV}`;

const cli = (port: number): string => `redis-cli --user ${INTERNAL_USERS.probe} -h 127.0.0.1 -p ${port}`;

/**
 * Probe commands (exec, run by the kubelet inside the container) as the probe user, its password read from
 * the mounted users Secret on every run, so a rotated password reaches the probes without a restart. Each is
 * `sh -c <script>`; none carries a password.
 */
export const probeCommands = {
  /** Alive: answers PING, or is loading its dataset (a long AOF load or a replica's full resync). */
  redisLiveness: (port: number, passwordFile: string): string[] => [
    "sh",
    "-c",
    `${probeAuth(passwordFile)}\ncase "$(${cli(port)} ping 2>&1)" in PONG|LOADING*) exit 0 ;; *) exit 1 ;; esac`,
  ],
  /** Ready: answers PING and, on a replica, the link to the master is up (so a disruption budget waits for a sync). */
  redisReadiness: (port: number, passwordFile: string): string[] => [
    "sh",
    "-c",
    [
      probeAuth(passwordFile),
      `[ "$(${cli(port)} ping 2>&1)" = PONG ] || exit 1`,
      `info=$(${cli(port)} info replication 2>&1) || exit 1`,
      'case "$info" in *role:slave*) ;; *role:master*) exit 0 ;; *) exit 1 ;; esac',
      'case "$info" in *master_link_status:up*) exit 0 ;; *) exit 1 ;; esac',
    ].join("\n"),
  ],
  /** Answers PING with PONG, authenticated (a Redis that finished loading; a Sentinel). */
  ping: (port: number, passwordFile: string): string[] => [
    "sh",
    "-c",
    `${probeAuth(passwordFile)}\n[ "$(${cli(port)} ping 2>&1)" = PONG ]`,
  ],
};

/**
 * For Docker Compose, which has no Secret volumes: writes each user's password from the environment variable
 * that holds it into `dir`, a file per user, before the init script runs.
 */
export function usersFromEnvScript(dir: string, users: readonly { user: string; env: string }[]): string {
  return [
    `mkdir -p ${shellQuote(dir)}`,
    ...users.map((u) => `printf '%s\\n' "$${u.env}" > ${shellQuote(`${dir}/${u.user}`)}`),
  ].join(" && ");
}
