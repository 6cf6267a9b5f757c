/**
 * In-cluster addresses of what the Helm releases install, derived from the fixed release names. Pure; the
 * values, the data sources and the README all read them from here.
 */
import { RELEASE_NAMES } from "./charts";

const svc = (name: string, namespace: string) => `${name}.${namespace}.svc.cluster.local`;

export interface StackEndpoints {
  /** Loki's gateway (nginx): pushes and queries, in either deployment mode. */
  readonly lokiHost: string;
  readonly lokiPort: number;
  readonly lokiUrl: string;
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  /** Grafana's Service (port 80); `kubectl port-forward svc/<name> 3000:80`. */
  readonly grafanaService: string;
  readonly tempoUrl: string;
  /** OTLP over HTTP, for the services' tracers (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly otlpHttpEndpoint: string;
}

export function stackEndpoints(namespace: string): StackEndpoints {
  const kps = RELEASE_NAMES.kubePrometheusStack;
  const lokiHost = svc(`${RELEASE_NAMES.loki}-gateway`, namespace);
  const tempoHost = svc(RELEASE_NAMES.tempo, namespace);
  return {
    lokiHost,
    lokiPort: 80,
    lokiUrl: `http://${lokiHost}`,
    prometheusUrl: `http://${svc(`${kps}-prometheus`, namespace)}:9090`,
    alertmanagerUrl: `http://${svc(`${kps}-alertmanager`, namespace)}:9093`,
    grafanaService: `${kps}-grafana`,
    tempoUrl: `http://${tempoHost}:3200`,
    otlpHttpEndpoint: `http://${tempoHost}:4318`,
  };
}
