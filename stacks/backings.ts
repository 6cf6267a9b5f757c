/**
 * The opt-in backing services the platform builds, by their `ferrum:` key: each from its settings
 * (config/backings), each bound to every service (DjangoService's `bindings`). The mapped type makes the
 * compiler name any backing service whose settings config reads but which nothing here builds.
 */
import type { BackingContext, BackingBuilder, BuiltBacking } from "../components/backing";
import { eventBusBacking } from "../components/event-bus/backing";
import { BACKING_KEYS, type BackingKey, type BackingSettings } from "../config/backings";

export const BACKINGS: { readonly [K in BackingKey]: BackingBuilder<BackingSettings[K]> } = {
  eventBus: eventBusBacking,
};

/** Every backing service that is on, built, in config's order. */
export function buildBackings(settings: BackingSettings, ctx: BackingContext): [BackingKey, BuiltBacking][] {
  return BACKING_KEYS.filter((key) => settings[key].enabled).map((key) => [
    key,
    BACKINGS[key](settings[key], ctx),
  ]);
}
