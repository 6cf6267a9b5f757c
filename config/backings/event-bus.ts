/** `ferrum:eventBus`: NATS with JetStream beside Redis Streams, opt-in (components/event-bus). Pure. */
import type { ObjectReader } from "../reader";

export interface EventBusSettings {
  /** Whether the stack runs NATS. */
  readonly enabled: boolean;
  /** NATS servers: 1, or a JetStream cluster of 3 or more. */
  readonly replicas: number;
  /** Each server's JetStream file store volume. */
  readonly storageGiB: number;
}

export function readEventBus(eb: ObjectReader): EventBusSettings {
  const eventBus: EventBusSettings = {
    enabled: eb.boolean("enabled", false),
    replicas: eb.integer("replicas", 1, 1, 9),
    storageGiB: eb.integer("storageGiB", 10, 1, 16384),
  };
  eb.rejectUnknown();
  if (eventBus.replicas === 2) {
    eb.problems.add(
      "eventBus.replicas",
      `must be 1 or at least 3, so a JetStream cluster keeps a majority when a server is lost (got 2); set it with: ${eb.problems.set("eventBus.replicas", 3)}`,
    );
  }
  return eventBus;
}
