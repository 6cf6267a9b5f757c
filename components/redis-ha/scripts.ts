/**
 * The init containers' shell scripts and the probes' commands, rendered. Pure: every address is a parameter,
 * so the real-server test runs these very scripts against loopback servers.
 *
 * The password never appears in a script, a file of the ConfigMap or a command line: the scripts read it from
 * `REDIS_PASSWORD` and write it only into the pod's in-memory copy of the config; redis-cli reads it from
 * `REDISCLI_AUTH`. Both variables come from the Secret.
 */
import type { Endpoint } from "./types";

/** Env var the init scripts read the password from. */
export const PASSWORD_ENV = "REDIS_PASSWORD";
/** Env var redis-cli reads the password from (used by the init scripts and every probe). */
export const REDISCLI_AUTH_ENV = "REDISCLI_AUTH";
/** Env var holding the pod's name (`<statefulset>-<ordinal>`, from the downward API). */
export const POD_NAME_ENV = "POD_NAME";

/** Addresses the scripts need; every host must be a DNS name or an IP. */
export interface ScriptTopology {
  readonly masterName: string;
  /** Redis pods by ordinal; pod 0 is the initial master. */
  readonly redis: readonly Endpoint[];
  /** Sentinel pods by ordinal. */
  readonly sentinels: readonly Endpoint[];
}

/** Single-quotes a word for sh. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const endpointWord = (e: Endpoint): string => shellQuote(`${e.host} ${e.port}`);

/** `case` arms setting self_host/self_port from the pod's ordinal. */
function selfAddress(endpoints: readonly Endpoint[], script: string): string[] {
  return [
    `case "\${${POD_NAME_ENV}##*-}" in`,
    ...endpoints.map((e, i) => `  ${i}) self_host=${shellQuote(e.host)}; self_port=${e.port} ;;`),
    `  *) echo "${script}: no address for pod $${POD_NAME_ENV}" >&2; exit 1 ;;`,
    "esac",
  ];
}

/**
 * A shell function printing `host port` of the master as named by the first Sentinel that answers. Arguments:
 * the "host port" pair to skip (the caller itself, or ''), then the Sentinels' "host port" pairs.
 */
function currentMasterFunction(masterName: string): string[] {
  return [
    "current_master() {",
    '  skip="$1"',
    "  shift",
    '  for sentinel in "$@"; do',
    '    if [ "$sentinel" = "$skip" ]; then continue; fi',
    `    reply=$(timeout 5 redis-cli -e -h "\${sentinel% *}" -p "\${sentinel#* }" --raw SENTINEL get-master-addr-by-name ${shellQuote(masterName)} 2>/dev/null) || continue`,
    "    host=$(printf '%s\\n' \"$reply\" | sed -n 1p)",
    "    port=$(printf '%s\\n' \"$reply\" | sed -n 2p)",
    "    case \"$host\" in ''|*[!A-Za-z0-9.:-]*) continue ;; esac",
    "    case \"$port\" in ''|*[!0-9]*) continue ;; esac",
    '    echo "$host $port"',
    "    return 0",
    "  done",
    "}",
  ];
}

/** Common start: arguments, required env, and the password's alphabet checked. */
function preamble(script: string, purpose: string[]): string[] {
  return [
    "#!/bin/sh",
    `# Ferrum RedisHA: ${script}, rendered by components/redis-ha/scripts.ts.`,
    "# Usage: sh init.sh TEMPLATE CONFIG",
    `# Env: ${POD_NAME_ENV} (<statefulset>-<ordinal>), ${PASSWORD_ENV}, and ${REDISCLI_AUTH_ENV} (the same password) for redis-cli.`,
    ...purpose.map((l) => `# ${l}`),
    "set -eu",
    'template="$1"',
    'config="$2"',
    `: "\${${POD_NAME_ENV}:?${POD_NAME_ENV} must be set}"`,
    `: "\${${PASSWORD_ENV}:?${PASSWORD_ENV} must be set}"`,
    "# Letters and digits only (RandomPassword with special: false): Sentinel 7.0 writes `sentinel auth-pass`",
    "# back unquoted when it rewrites its config, so a space or quote would stop it from reading the file again.",
    `case "$${PASSWORD_ENV}" in *[!A-Za-z0-9]*) echo "${script}: ${PASSWORD_ENV} must hold only letters and digits" >&2; exit 1 ;; esac`,
    "umask 077",
  ];
}

/**
 * The Redis pods' init script: copies redis.conf to CONFIG and appends the password, the pod's announce
 * address and, unless this pod is the master, `replicaof`. The master is whoever the Sentinels name, so a
 * restarted old master rejoins as a replica; when no Sentinel answers (the first start), it is pod 0.
 */
export function renderRedisInitScript(t: ScriptTopology): string {
  const initial = t.redis[0]!;
  return lines([
    ...preamble("redis-init", [
      "Copies redis.conf to CONFIG and appends the password, this pod's announce address and, unless this pod",
      "is the master, replicaof. The master is whoever the Sentinels name; with no answer (first start), pod 0.",
    ]),
    ...selfAddress(t.redis, "redis-init"),
    ...currentMasterFunction(t.masterName),
    `master=$(current_master '' ${t.sentinels.map(endpointWord).join(" ")})`,
    'if [ -n "$master" ]; then',
    '  echo "redis-init: the Sentinels name ${master% *}:${master#* } as the master"',
    "else",
    `  master=${endpointWord(initial)}`,
    '  echo "redis-init: no Sentinel answered; the initial master is ${master% *}:${master#* }"',
    "fi",
    'cp "$template" "$config"',
    "{",
    "  echo",
    '  echo "# Appended by the init container."',
    `  printf 'requirepass "%s"\\n' "$${PASSWORD_ENV}"`,
    `  printf 'masterauth "%s"\\n' "$${PASSWORD_ENV}"`,
    '  echo "replica-announce-ip $self_host"',
    '  if [ "$master" != "$self_host $self_port" ]; then echo "replicaof $master"; fi',
    '} >> "$config"',
    'if [ "$master" = "$self_host $self_port" ]; then echo "redis-init: $self_host starts as the master"; else echo "redis-init: $self_host starts as a replica"; fi',
  ]);
}

/** Seconds the Sentinel init waits for the master's DNS record (Sentinel refuses to start without it). */
export const SENTINEL_DNS_WAIT_SECONDS = 120;

/**
 * The Sentinel pods' init script: copies sentinel.conf to CONFIG, points `sentinel monitor` at the master the
 * other Sentinels name (a restarted Sentinel must not fall back to pod 0 after a failover), waits until that
 * host resolves, and appends the password and the pod's announce address.
 */
export function renderSentinelInitScript(t: ScriptTopology): string {
  const m = t.masterName;
  return lines([
    ...preamble("sentinel-init", [
      "Copies sentinel.conf to CONFIG, points `sentinel monitor` at the master the other Sentinels name (if any",
      "answers), waits for the master's DNS record, and appends the password and this pod's announce address.",
    ]),
    ...selfAddress(t.sentinels, "sentinel-init"),
    ...currentMasterFunction(m),
    `master=$(current_master "$self_host $self_port" ${t.sentinels.map(endpointWord).join(" ")})`,
    'if [ -n "$master" ]; then',
    '  echo "sentinel-init: another Sentinel names ${master% *}:${master#* } as the master"',
    "else",
    `  echo "sentinel-init: no other Sentinel answered; monitoring the initial master ${t.redis[0]!.host}:${t.redis[0]!.port}"`,
    "fi",
    "# Sentinel refuses to load a `sentinel monitor` whose host does not resolve: wait for its DNS record.",
    `wait_for=${shellQuote(t.redis[0]!.host)}`,
    'if [ -n "$master" ]; then wait_for="${master% *}"; fi',
    "waited=0",
    'until getent hosts "$wait_for" >/dev/null; do',
    `  if [ "$waited" -ge ${SENTINEL_DNS_WAIT_SECONDS} ]; then echo "sentinel-init: $wait_for does not resolve" >&2; exit 1; fi`,
    "  sleep 2",
    "  waited=$((waited + 2))",
    "done",
    'cp "$template" "$config"',
    'if [ -n "$master" ]; then',
    `  sed -i "s/^sentinel monitor ${m} [^ ]* [0-9]* /sentinel monitor ${m} $master /" "$config"`,
    "fi",
    "{",
    "  echo",
    '  echo "# Appended by the init container."',
    `  printf 'requirepass "%s"\\n' "$${PASSWORD_ENV}"`,
    `  printf 'sentinel auth-pass ${m} "%s"\\n' "$${PASSWORD_ENV}"`,
    '  echo "sentinel announce-ip $self_host"',
    '} >> "$config"',
  ]);
}

/**
 * Probe commands (exec, run by the kubelet inside the container, whose env holds REDISCLI_AUTH). Each is
 * `sh -c <script>`; none carries the password.
 */
export const probeCommands = {
  /** Alive: answers PING, or is loading its dataset (a long AOF load or a replica's full resync). */
  redisLiveness: (port: number): string[] => [
    "sh",
    "-c",
    `case "$(redis-cli -h 127.0.0.1 -p ${port} ping 2>&1)" in PONG|LOADING*) exit 0 ;; *) exit 1 ;; esac`,
  ],
  /** Ready: answers PING and, on a replica, the link to the master is up (so a disruption budget waits for a sync). */
  redisReadiness: (port: number): string[] => [
    "sh",
    "-c",
    [
      `[ "$(redis-cli -h 127.0.0.1 -p ${port} ping 2>&1)" = PONG ] || exit 1`,
      `info=$(redis-cli -h 127.0.0.1 -p ${port} info replication 2>&1) || exit 1`,
      'case "$info" in *role:slave*) ;; *role:master*) exit 0 ;; *) exit 1 ;; esac',
      'case "$info" in *master_link_status:up*) exit 0 ;; *) exit 1 ;; esac',
    ].join("\n"),
  ],
  /** Answers PING with PONG, authenticated (a Redis that finished loading; a Sentinel). */
  ping: (port: number): string[] => [
    "sh",
    "-c",
    `[ "$(redis-cli -h 127.0.0.1 -p ${port} ping 2>&1)" = PONG ]`,
  ],
};

const lines = (ls: readonly string[]): string => `${ls.join("\n")}\n`;
