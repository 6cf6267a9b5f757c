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
 * Who is master, after any restart (a reboot of the single dev node included):
 * - Sentinel keeps its state (epochs, the current master of each group, known replicas and Sentinels) in its
 *   config file on a volume claim; its init carries that state over into the freshly rendered file. A Sentinel
 *   without state asks the other Sentinels, then the group's Redis pods, for a bounded time before it falls
 *   back to pod 0.
 * - A Redis pod asks the Sentinels, again and again for a bounded time, and follows the answer with the highest
 *   config epoch; only if none answers does it ask its peers for their role (following a master, the one with
 *   the most replicas), and only then does pod 0 start as master. So a restarted old master never takes over
 *   from a replica that holds newer data while Sentinels that know better are on their way up.
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

const endpointWord = (e: Endpoint): string => shellQuote(`${e.host} ${e.port}`);
const words = (endpoints: readonly Endpoint[]): string => endpoints.map(endpointWord).join(" ");

/** `case` arms setting self_host/self_port from the pod's ordinal. */
function selfAddress(endpoints: readonly Endpoint[], script: string): string[] {
  return [
    `case "\${${POD_NAME_ENV}##*-}" in`,
    ...endpoints.map((e, i) => `  ${i}) self_host=${shellQuote(e.host)}; self_port=${e.port} ;;`),
    `  *) echo "${script}: no address for pod $${POD_NAME_ENV}" >&2; exit 1 ;;`,
    "esac",
  ];
}

/** Arguments, required env, and globbing off (ACL rules are full of `*`). */
function preamble(script: string, usage: string, purpose: readonly string[]): string[] {
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
function passwordFunction(script: string): string[] {
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
function aclUsersFunction(script: string): string[] {
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
function askFunction(): string[] {
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
function sentinelMasterFunction(): string[] {
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
function peerMasterFunction(): string[] {
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

/**
 * The Redis pods' init script (`sh init.sh TEMPLATE RULES CONFIG`): copies redis.conf to CONFIG and appends the
 * ACL users of RULES, masterauth, this pod's announce address and, unless this pod is the master, `replicaof`.
 */
export function renderRedisInitScript(t: RedisScriptTopology, waits: InitWaits = {}): string {
  const wait = waits.sentinelWaitSeconds ?? DEFAULT_SENTINEL_WAIT_SECONDS;
  const m = shellQuote(t.masterName);
  const initial = t.redis[0]!;
  return lines([
    ...preamble("redis-init", "sh init.sh TEMPLATE RULES CONFIG", [
      `${POD_NAME_ENV}: <statefulset>-<ordinal>.`,
      `Copies redis.conf to CONFIG and appends the ACL users, masterauth, this pod's announce address and, unless`,
      `this pod is the master of ${t.masterName}, replicaof. The master is the one the Sentinels name (asked for up`,
      `to ${wait} s); failing that a peer that is master; failing that pod 0.`,
    ]),
    'template="$1"',
    'rules="$2"',
    'config="$3"',
    `: "\${${POD_NAME_ENV}:?${POD_NAME_ENV} must be set}"`,
    ...selfAddress(t.redis, "redis-init"),
    ...passwordFunction("redis-init"),
    ...aclUsersFunction("redis-init"),
    ...askFunction(),
    ...sentinelMasterFunction(),
    ...peerMasterFunction(),
    `${REDISCLI_AUTH_ENV}=$(password_of ${INTERNAL_USERS.probe})`,
    `export ${REDISCLI_AUTH_ENV}`,
    `users=$(acl_users "$rules")`,
    `replication_password=$(password_of ${INTERNAL_USERS.replication})`,
    "",
    `deadline=$(($(date +%s) + ${wait}))`,
    "while :; do",
    `  master=$(sentinel_master ${m} '' ${words(t.sentinels)})`,
    '  if [ -n "$master" ]; then',
    `    echo "redis-init: the Sentinels name \${master% *}:\${master#* } as the master of ${t.masterName}"`,
    "    break",
    "  fi",
    '  if [ "$(date +%s)" -ge "$deadline" ]; then break; fi',
    `  echo "redis-init: no Sentinel names the master of ${t.masterName} yet; asking again for up to ${wait} s"`,
    "  sleep 2",
    "done",
    'if [ -z "$master" ]; then',
    `  master=$(peer_master "$self_host $self_port" ${words(t.redis)})`,
    '  if [ -n "$master" ]; then',
    `    echo "redis-init: no Sentinel answered within ${wait} s; peer \${master% *}:\${master#* } is a master"`,
    "  else",
    `    master=${endpointWord(initial)}`,
    `    echo "redis-init: no Sentinel and no master peer answered within ${wait} s; the initial master is \${master% *}:\${master#* }"`,
    "  fi",
    "fi",
    'cp "$template" "$config"',
    "{",
    "  echo",
    '  echo "# Appended by the init container."',
    "  printf '%s\\n' \"$users\"",
    '  printf \'masterauth "%s"\\n\' "$replication_password"',
    '  echo "replica-announce-ip $self_host"',
    '  if [ "$master" != "$self_host $self_port" ]; then echo "replicaof $master"; fi',
    '} >> "$config"',
    'if [ "$master" = "$self_host $self_port" ]; then echo "redis-init: $self_host starts as the master"; else echo "redis-init: $self_host starts as a replica"; fi',
  ]);
}

/** The state lines of a Sentinel's config that survive a restart, for the groups it monitors. */
function stateLinesPattern(groups: readonly ScriptGroup[]): string {
  // Master names are lowercase letters, digits and hyphens (naming.ts): nothing to escape.
  const names = groups.map((g) => g.masterName).join("|");
  return `^sentinel (myid|current-epoch) |^sentinel (config-epoch|leader-epoch|known-replica|known-sentinel) (${names}) `;
}

/**
 * The Sentinel pods' init script (`sh init.sh TEMPLATE RULES CONFIG`, CONFIG on the Sentinel's volume claim):
 * renders sentinel.conf afresh, points each `sentinel monitor` at the group's current master, carries over the
 * state of the previous run kept in CONFIG, waits for the masters' DNS records, and appends the ACL users, each
 * group's auth-pass, sentinel-pass and this pod's announce address.
 */
export function renderSentinelInitScript(t: SentinelScriptTopology, waits: InitWaits = {}): string {
  const wait = waits.peerWaitSeconds ?? DEFAULT_PEER_WAIT_SECONDS;
  const groups = t.groups;
  const v = (i: number): string => `master_${i}`;
  const resolve = groups.flatMap((g, i) => [
    `  if [ -z "$${v(i)}" ]; then ${v(i)}=$(sentinel_master ${shellQuote(g.masterName)} "$self_host $self_port" ${words(t.sentinels)}); fi`,
    `  if [ -z "$${v(i)}" ]; then ${v(i)}=$(peer_master '' ${words(g.redis)}); fi`,
    `  if [ -z "$${v(i)}" ]; then missing=1; fi`,
  ]);
  const point = groups.flatMap((g, i) => {
    const name = g.masterName;
    return [
      `if [ -n "$${v(i)}" ]; then`,
      `  echo "sentinel-init: ${name}'s master is \${${v(i)}% *}:\${${v(i)}#* }"`,
      `  sed -i "s/^sentinel monitor ${name} [^ ]* [0-9]* /sentinel monitor ${name} $${v(i)} /" "$next"`,
      "else",
      `  echo "sentinel-init: nobody knows ${name}'s master; monitoring its initial master ${g.redis[0]!.host}:${g.redis[0]!.port}"`,
      "fi",
    ];
  });
  return lines([
    ...preamble("sentinel-init", "sh init.sh TEMPLATE RULES CONFIG", [
      `${POD_NAME_ENV}: <statefulset>-<ordinal>. CONFIG is on the Sentinel's volume claim and keeps its state.`,
      "Renders sentinel.conf into CONFIG: each `sentinel monitor` at the master the previous run's state names;",
      `without state, the one the other Sentinels or the group's Redis pods name (asked for up to ${wait} s);`,
      "failing that pod 0. Carries over the state, then appends the ACL users and the credentials it sends.",
    ]),
    'template="$1"',
    'rules="$2"',
    'config="$3"',
    `: "\${${POD_NAME_ENV}:?${POD_NAME_ENV} must be set}"`,
    ...selfAddress(t.sentinels, "sentinel-init"),
    ...passwordFunction("sentinel-init"),
    ...aclUsersFunction("sentinel-init"),
    ...askFunction(),
    ...sentinelMasterFunction(),
    ...peerMasterFunction(),
    `${REDISCLI_AUTH_ENV}=$(password_of ${INTERNAL_USERS.probe})`,
    `export ${REDISCLI_AUTH_ENV}`,
    `users=$(acl_users "$rules")`,
    `sentinel_password=$(password_of ${INTERNAL_USERS.sentinel})`,
    "",
    "# The previous run's state: the master Sentinel last knew for each group.",
    ...groups.map((_, i) => `${v(i)}=""`),
    'if [ -s "$config" ]; then',
    '  echo "sentinel-init: carrying over the state kept in $config"',
    ...groups.map(
      (g, i) =>
        `  ${v(i)}=$(sed -n "s/^sentinel monitor ${g.masterName} \\([^ ]*\\) \\([0-9]*\\) [0-9]*$/\\1 \\2/p" "$config" | head -n 1)`,
    ),
    "fi",
    `deadline=$(($(date +%s) + ${wait}))`,
    "while :; do",
    "  missing=0",
    ...resolve,
    '  if [ "$missing" -eq 0 ] || [ "$(date +%s)" -ge "$deadline" ]; then break; fi',
    "  sleep 2",
    "done",
    "",
    'next="$config.next"',
    'cp "$template" "$next"',
    ...point,
    "# Sentinel refuses to load a `sentinel monitor` whose host does not resolve: wait for each master's DNS record.",
    `for wait_for in $(sed -n 's/^sentinel monitor [^ ]* \\([^ ]*\\) .*$/\\1/p' "$next"); do`,
    "  waited=0",
    '  until getent hosts "$wait_for" >/dev/null; do',
    `    if [ "$waited" -ge ${SENTINEL_DNS_WAIT_SECONDS} ]; then echo "sentinel-init: $wait_for does not resolve" >&2; exit 1; fi`,
    "    sleep 2",
    "    waited=$((waited + 2))",
    "  done",
    "done",
    "{",
    'if [ -s "$config" ]; then',
    `  grep -E ${shellQuote(stateLinesPattern(groups))} "$config" || true`,
    "fi",
    "  echo",
    '  echo "# Appended by the init container."',
    "  printf '%s\\n' \"$users\"",
    ...groups.map((g) => `  printf 'sentinel auth-pass ${g.masterName} "%s"\\n' "$sentinel_password"`),
    '  printf \'sentinel sentinel-pass "%s"\\n\' "$sentinel_password"',
    '  echo "sentinel announce-ip $self_host"',
    '} >> "$next"',
    'mv "$next" "$config"',
  ]);
}

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

const lines = (ls: readonly string[]): string => `${ls.join("\n")}\n`;
