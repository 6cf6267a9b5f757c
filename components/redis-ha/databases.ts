/**
 * Which logical Redis database each service uses. Pure.
 *
 * DB 0 holds the events every service shares (Redis Streams). Each service has a slot n, fixed in an
 * append-only map, and owns two DBs:
 * - cache DB 2n-1: Django's cache. `cache.clear()` runs FLUSHDB, so nothing else may live there.
 * - Celery DB 2n: the broker's queues and the result backend's task results.
 *
 * Slots come from an explicit map rather than the order of the service list: with an order (given or sorted),
 * adding `billing` would move `catalog`'s queues to another DB and strand its pending tasks.
 */

/** The DB every service's event streams share. */
export const EVENTS_DB = 0;

/**
 * Slot of every catalog service. Append-only: give a new service the next unused number; never renumber,
 * never reuse the number of a removed service.
 */
export const DEFAULT_DATABASE_SLOTS: Readonly<Record<string, number>> = Object.freeze({
  auth: 1,
  user: 2,
  content: 3,
  catalog: 4,
});

/** The two DBs of one service. */
export interface ServiceDatabases {
  /** `REDIS_URL`'s DB: Django's cache. */
  readonly cache: number;
  /** `CELERY_BROKER_URL`'s and `CELERY_RESULT_BACKEND`'s DB. */
  readonly celery: number;
}

export function serviceDatabases(slot: number): ServiceDatabases {
  return { cache: 2 * slot - 1, celery: 2 * slot };
}

/** Problems with the slots of `services`, each a full sentence naming the service and the fix. */
export function slotProblems(
  services: readonly string[],
  slots: Readonly<Record<string, number>>,
  databases: number,
): string[] {
  const problems: string[] = [];
  const owners = new Map<number, string>();
  const taken = Object.values(slots).filter(Number.isInteger);
  const next = taken.length ? Math.max(...taken) + 1 : 1;
  for (const service of services) {
    if (!Object.prototype.hasOwnProperty.call(slots, service)) {
      problems.push(
        `service ${service} has no database slot; add ${service}: ${next} to databaseSlots (never reuse a number)`,
      );
      continue;
    }
    const slot = slots[service]!;
    if (!Number.isInteger(slot) || slot < 1) {
      problems.push(`databaseSlots.${service} must be a positive integer (got ${slot})`);
      continue;
    }
    const other = owners.get(slot);
    if (other !== undefined)
      problems.push(
        `databaseSlots.${service} repeats slot ${slot} of ${other}; every service needs its own slot`,
      );
    owners.set(slot, service);
    const { celery } = serviceDatabases(slot);
    if (celery >= databases) {
      problems.push(
        `service ${service} (slot ${slot}) needs DB ${celery} but backend.databases is ${databases}; set backend.databases to at least ${celery + 1}`,
      );
    }
  }
  return problems;
}
