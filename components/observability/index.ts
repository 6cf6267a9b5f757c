export { Observability, RULE_NAME } from "./observability";
export type {
  AzureBlobLogs,
  CeleryTarget,
  Credential,
  FilesystemLogs,
  LogStorage,
  ObservabilityArgs,
  PostgresTarget,
  RedisTarget,
  S3Logs,
} from "./types";
export { EXPORTER_IMAGES, OBSERVABILITY_CHARTS, RELEASE_NAMES } from "./charts";
export { stackEndpoints } from "./endpoints";
export { OBSERVABILITY_DEFAULTS } from "./settings";
export { alertNames, DEFAULT_RULE_PARAMS, renderRules, renderRulesYaml } from "./rules";
export { renderDashboard, renderDashboardJson } from "./dashboard";
export { monitoringFiles } from "./files";
