/**
 * The opt-in backing services' settings, each under its own `ferrum:<key>` and read by its own pure module
 * beside this one. Config reads them all with the rest of the stack's settings (config/index.ts), refuses
 * their unknown keys, and refuses any setting of one that is off; stacks/backings.ts builds each from its
 * settings. Adding a backing service adds its module here and one line below
 * (docs/adding-a-backing-service.md).
 */
import type { ObjectReader } from "../reader";
import { readEventBus } from "./event-bus";

export type { EventBusSettings } from "./event-bus";

/** What every backing service's settings have: whether the stack runs it. */
export interface OptInSettings {
  readonly enabled: boolean;
}

/** A backing service's settings module: how messages name it, and its reader. */
export interface BackingSettingsModule<S extends OptInSettings> {
  /** How a refusal names it: "the event bus is off (eventBus.enabled is false)". */
  readonly title: string;
  /** Reads and validates `ferrum:<key>`, reporting problems to the reader's collector. Pure. */
  readonly read: (r: ObjectReader) => S;
}

/** Every backing service's settings module, by its `ferrum:` key. */
export const BACKING_SETTINGS = {
  eventBus: { title: "the event bus", read: readEventBus },
} as const satisfies Record<string, BackingSettingsModule<OptInSettings>>;

export type BackingKey = keyof typeof BACKING_SETTINGS;

/** The keys, in the order config reads them (and lists them in messages). */
export const BACKING_KEYS = Object.keys(BACKING_SETTINGS) as BackingKey[];

/** Every backing service's settings, by key. */
export type BackingSettings = {
  readonly [K in BackingKey]: ReturnType<(typeof BACKING_SETTINGS)[K]["read"]>;
};

/** Reads every backing service's `ferrum:<key>` out of the top-level reader. */
export function readBackings(top: ObjectReader): BackingSettings {
  const out: Record<string, OptInSettings> = {};
  for (const key of BACKING_KEYS) out[key] = BACKING_SETTINGS[key].read(top.object(key));
  return out as BackingSettings;
}

/**
 * The settings of backing services that are off, which would do nothing: each as (key, value, why) for
 * config/scope.ts's "does nothing on this stack" refusal.
 */
export function settingsOfOffBackings(
  tree: Readonly<Record<string, unknown>>,
  backings: BackingSettings,
): { key: string; value: unknown; why: string }[] {
  const found: { key: string; value: unknown; why: string }[] = [];
  for (const key of BACKING_KEYS) {
    if (backings[key].enabled) continue;
    const raw = tree[key];
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) continue;
    for (const [field, value] of Object.entries(raw)) {
      // Only the settings it reads: an unknown key is refused as such by its reader.
      if (field === "enabled" || !(field in backings[key]) || value === undefined || value === null) continue;
      found.push({
        key: `${key}.${field}`,
        value,
        why: `${BACKING_SETTINGS[key].title} is off (${key}.enabled is false)`,
      });
    }
  }
  return found;
}
