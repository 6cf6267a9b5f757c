/** The NATS Helm chart, pinned (NATS server 2.11 with JetStream). */
import type { PinnedChart } from "../observability/charts";

export const NATS_CHART = {
  chart: "nats",
  version: "1.3.13",
  repo: "https://nats-io.github.io/k8s/helm/charts/",
} as const satisfies PinnedChart;

/** Fixed release name: the Service is `nats`, so `NATS_URL` is stable. */
export const NATS_RELEASE = "nats";
export const NATS_CLIENT_PORT = 4222;
/** prometheus-nats-exporter's port in the chart. */
export const NATS_EXPORTER_PORT = 7777;
