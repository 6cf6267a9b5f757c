/**
 * The ACL users of the in-cluster Redis and Sentinels, and the rules each gets on each kind of server. Pure:
 * rules carry no password; the init scripts (scripts.ts) add the password hashes from the users Secret.
 *
 * One user per service (`ferrum-<service>`), the same name and password on every server, plus one user per
 * internal role, none of which a service name can produce (they do not start with `ferrum-`):
 * - `redis-admin`: operators and the users Job (scripts.ts); every command.
 * - `redis-replication`: what a replica's `masteruser` needs to sync (PSYNC, REPLCONF, PING).
 * - `redis-sentinel`: Sentinel's `auth-user` on the servers (what it needs to monitor and fail over) and
 *   `sentinel-user` between Sentinels.
 * - `redis-probe`: the kubelet's probes and the init scripts' questions (PING, INFO, ROLE; which master).
 * - `redis-exporter`: redis_exporter (INFO, SLOWLOG, LATENCY, Sentinel's views); not CONFIG GET, which
 *   would hand it `masterauth`.
 * `default` is off: every connection names its user.
 *
 * A service's user, on the data servers (its Celery DB and the events DB):
 * - `+select|<celery DB> +select|0`, nothing else: Redis 7.0 has no per-DB ACL, so SELECT decides which DBs a
 *   user reaches, and every command that reaches past the selected DB is denied: MOVE, COPY (its DB option),
 *   SWAPDB, FLUSHALL, and the @admin and @dangerous categories (CONFIG, DEBUG, MIGRATE, RESTORE, KEYS, ...).
 *   SCRIPT FLUSH/KILL, FUNCTION, FCALL and PUBSUB (which lists every service's channels) are denied too.
 * - keys: its Celery keys (kombu's, under `global_keyprefix` `{<service>}:`; Celery 5.2's result backend
 *   ignores that prefix, so `celery-task-meta-*` and `celery-taskset-meta-*` too) and its own event stream
 *   `events:<service>`. And `unacked`, read-only: kombu 5.2 WATCHes it without the prefix when it puts an
 *   unacknowledged task back (a pool process lost, the visibility timeout passed, a worker stopping with
 *   tasks it had not started; fixed in kombu 5.3, celery/kombu#1572); refused, the worker dies instead. Nothing writes that key (kombu's writes carry the
 *   prefix), so the WATCH never aborts the transaction, as without ACLs. A selector lets it read every stream through a consumer group (XREADGROUP, XACK,
 *   XGROUP CREATE, ...) and nothing more: no XADD, XTRIM, XDEL or DEL on another service's stream.
 * - channels: its kombu channels under its prefix. PSUBSCRIBE is checked literally in Redis 7.0 (the pattern
 *   must equal an allowed one), so kombu's three patterns are listed as they are sent. Result channels
 *   (named after the task id, unprefixed in Celery 5.2) are allowed in a selector with SUBSCRIBE and PUBLISH
 *   only: PSUBSCRIBE `celery-task-meta-*`, which would show every service's results, is refused.
 * On the cache servers: its cache DB only and keys under `REDIS_KEY_PREFIX`, FLUSHDB (`cache.clear()`) and
 * KEYS allowed there (both stay inside that DB); no channel.
 * On the Sentinels: the read-only questions clients ask (which master, which Sentinels and replicas).
 *
 * Limits of Redis 7.0, stated in README: a service can acknowledge or claim entries of another service's
 * consumer group on a stream it reads, and can publish to a result channel whose task id it knows.
 */
import type { ServiceDatabases } from "./databases";
import { EVENTS_DB } from "./databases";

/** The internal users, by role. */
export const INTERNAL_USERS = {
  admin: "redis-admin",
  replication: "redis-replication",
  sentinel: "redis-sentinel",
  probe: "redis-probe",
  exporter: "redis-exporter",
} as const;
export type InternalRole = keyof typeof INTERNAL_USERS;

/** The ACL user of `service`: `ferrum-<service>`, like its PostgreSQL role `ferrum_<service>`. */
export const serviceUser = (service: string): string => `ferrum-${service}`;

/** kombu's `global_keyprefix` of `service`: a Redis Cluster hash tag, so a sharded managed cache keeps it in one slot. */
export const celeryKeyPrefix = (service: string): string => `{${service}}:`;

/** The stream `service` writes its events to (the reference service's events.py); every service reads all. */
export const eventStream = (service: string): string => `events:${service}`;

/** Which kind of server a rule set is for. */
export type ServerKind = "data" | "cache" | "sentinel";

/** The `default` user on every server: off, so every client names its user. */
export const DEFAULT_USER_LINE = "user default off resetpass resetkeys resetchannels -@all";

/** What a service may never run, on either kind of Redis server. */
const SERVICE_DENIED = [
  "-@admin",
  "-@dangerous",
  "-move",
  "-copy",
  "-select",
  "-pubsub",
  "-script|flush",
  "-script|kill",
  "-function",
  "-fcall",
  "-fcall_ro",
];

/** Consumer-group reads of any service's stream. */
const STREAM_CONSUMER =
  "(~events:* +xreadgroup +xread +xack +xgroup|create +xgroup|createconsumer +xpending +xclaim +xautoclaim +xinfo +xrange +xrevrange +xlen)";

/** Celery 5.2's result channels: the task id, unprefixed. Subscribe and publish, never a pattern. */
const RESULT_CHANNELS = "(&celery-task-meta-* &celery-taskset-meta-* +subscribe +publish)";

/**
 * The PSUBSCRIBE patterns kombu 5.2 sends with `global_keyprefix` on its Sentinel transport (the fanout
 * prefix stays the literal `/{db}.` there): the pidbox (remote control), the worker's gossip, and every event
 * (celery-exporter, Flower).
 */
export function kombuPatterns(service: string): string[] {
  const p = celeryKeyPrefix(service);
  return [`${p}/{db}.celery.pidbox`, `${p}/{db}.celeryev/*`, `${p}/{db}.celeryev/worker.*`];
}

/** A service's rules on the data servers: its Celery DB and the events DB. */
export function dataServiceRules(service: string, dbs: ServiceDatabases): string {
  const p = celeryKeyPrefix(service);
  return [
    "resetkeys",
    `~${p}*`,
    "~celery-task-meta-*",
    "~celery-taskset-meta-*",
    `~${eventStream(service)}`,
    "%R~unacked",
    "resetchannels",
    `&${p}*`,
    ...kombuPatterns(service).map((c) => `&${c}`),
    "-@all",
    "+@all",
    ...SERVICE_DENIED,
    `+select|${dbs.celery}`,
    `+select|${EVENTS_DB}`,
    STREAM_CONSUMER,
    RESULT_CHANNELS,
  ].join(" ");
}

/** A service's rules on the cache servers: its cache DB, keys under its prefix. */
export function cacheServiceRules(keyPrefix: string, dbs: ServiceDatabases): string {
  return [
    "resetkeys",
    `~${keyPrefix}*`,
    "resetchannels",
    "-@all",
    "+@all",
    ...SERVICE_DENIED,
    "+flushdb",
    "+keys",
    `+select|${dbs.cache}`,
  ].join(" ");
}

/** What clients ask a Sentinel: which master, which replicas and Sentinels. */
const SENTINEL_CLIENT =
  "-@all +ping +sentinel|masters +sentinel|master +sentinel|get-master-addr-by-name +sentinel|sentinels +sentinel|slaves +sentinel|replicas";

/** The internal users' rules on each kind of server. */
export function internalRules(role: InternalRole, server: ServerKind): string {
  if (server === "sentinel") {
    switch (role) {
      case "admin":
        return "+@all";
      case "replication":
        return "-@all"; // replicas never talk to Sentinels
      case "sentinel":
        // Another Sentinel: hello messages, votes, and its own link name.
        return "resetchannels &__sentinel__:hello -@all +ping +publish +subscribe +sentinel|is-master-down-by-addr +client|setname";
      case "probe":
        return "-@all +ping +sentinel|master +sentinel|get-master-addr-by-name";
      case "exporter":
        return `${SENTINEL_CLIENT} +info +client|setname +sentinel|ckquorum`;
    }
  }
  switch (role) {
    case "admin":
      return "~* &* +@all";
    case "replication":
      return "-@all +psync +replconf +ping";
    case "sentinel":
      // Redis's documented Sentinel user: monitor, reconfigure replicas, promote, publish hello messages.
      return "resetchannels &__sentinel__:hello -@all +multi +exec +slaveof +replicaof +ping +subscribe +publish +config|rewrite +role +info +client|setname +client|kill +script|kill";
    case "probe":
      return "-@all +ping +info +role";
    case "exporter":
      return "-@all +ping +info +role +client|setname +slowlog|get +slowlog|len +latency|latest +latency|histogram +cluster|info";
  }
}

/** One user's rules on one server: `<user> <rules>`, one per line of the rules file. */
export interface AclRule {
  readonly user: string;
  readonly rules: string;
}

/** What the ACL of one kind of server is built from. */
export interface AclServices {
  /** Each service with its DBs and its cache key prefix (REDIS_KEY_PREFIX). */
  readonly services: readonly { name: string; dbs: ServiceDatabases; keyPrefix: string }[];
}

const ROLES = Object.keys(INTERNAL_USERS) as InternalRole[];

/** Every user of a server of `kind`: the internal ones first, then one per service. */
export function aclRules(kind: ServerKind, a: AclServices): AclRule[] {
  const internal = ROLES.filter((role) => !(kind === "sentinel" && role === "replication")).map((role) => ({
    user: INTERNAL_USERS[role],
    rules: internalRules(role, kind),
  }));
  const services = a.services.map((s) => ({
    user: serviceUser(s.name),
    rules:
      kind === "data"
        ? dataServiceRules(s.name, s.dbs)
        : kind === "cache"
          ? cacheServiceRules(s.keyPrefix, s.dbs)
          : SENTINEL_CLIENT,
  }));
  return [...internal, ...services];
}

/** The rules file the init scripts and the users Job read: `<user> <rules>` per line. */
export function renderAclRules(rules: readonly AclRule[]): string {
  return rules.map((r) => `${r.user} ${r.rules}\n`).join("");
}

/** Users whose password a server itself needs in the clear: what it sends (replication, Sentinel) or probes with. */
export const PLAINTEXT_ROLES: readonly InternalRole[] = ["replication", "sentinel", "probe"];
