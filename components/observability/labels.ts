/**
 * lib/labels.ts's labels for the monitoring and event-bus objects. lib/labels.ts's `Component` union does not
 * list "metrics", "monitoring" or "event-bus" yet; the one-line patch that adds them is in the closing note of
 * issue 10. Until it lands, the widening below is the only cast: every label key and value still comes from
 * lib/labels.ts, so the objects carry exactly the labels docs/design.md lists.
 */
import { labels, selectorLabels, type Component, type LabelArgs } from "../../lib/labels";

export type MonitoringComponent = Component | "metrics" | "monitoring" | "event-bus";

export interface MonitoringLabelArgs extends Omit<LabelArgs, "component"> {
  /** The monitoring component the labels name (`app.kubernetes.io/component`). */
  readonly component: MonitoringComponent;
}

const widen = (a: MonitoringLabelArgs): LabelArgs => a as unknown as LabelArgs;

export const monitoringLabels = (a: MonitoringLabelArgs): Record<string, string> => labels(widen(a));
export const monitoringSelector = (a: MonitoringLabelArgs): Record<string, string> =>
  selectorLabels(widen(a));
