/**
 * The init scripts of the in-cluster Redis and Sentinel pods, rendered. Pure; passwords are read from the
 * mounted users Secret, never written into a script (scripts.ts says how).
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
import {
  aclUsersFunction,
  askFunction,
  DEFAULT_PEER_WAIT_SECONDS,
  DEFAULT_SENTINEL_WAIT_SECONDS,
  endpointWord,
  type InitWaits,
  lines,
  passwordFunction,
  peerMasterFunction,
  POD_NAME_ENV,
  preamble,
  REDISCLI_AUTH_ENV,
  type RedisScriptTopology,
  type ScriptGroup,
  selfAddress,
  SENTINEL_DNS_WAIT_SECONDS,
  sentinelMasterFunction,
  type SentinelScriptTopology,
  shellQuote,
  words,
} from "./script-parts";

/**
 * The start both init scripts share: their arguments, this pod's own address, the functions that read the ACL
 * users and ask peers and Sentinels, and the probe user's login for redis-cli.
 */
function initPrelude(endpoints: readonly Endpoint[], script: string): string[] {
  return [
    'template="$1"',
    'rules="$2"',
    'config="$3"',
    `: "\${${POD_NAME_ENV}:?${POD_NAME_ENV} must be set}"`,
    ...selfAddress(endpoints, script),
    ...passwordFunction(script),
    ...aclUsersFunction(script),
    ...askFunction(),
    ...sentinelMasterFunction(),
    ...peerMasterFunction(),
    `${REDISCLI_AUTH_ENV}=$(password_of ${INTERNAL_USERS.probe})`,
    `export ${REDISCLI_AUTH_ENV}`,
    `users=$(acl_users "$rules")`,
  ];
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
    ...initPrelude(t.redis, "redis-init"),
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
    ...initPrelude(t.sentinels, "sentinel-init"),
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
