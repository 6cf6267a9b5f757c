export { EventBus, eventBusProblems } from "./event-bus";
export type { EventBusArgs } from "./types";
export { NATS_CHART, NATS_RELEASE, NATS_CLIENT_PORT } from "./charts";
export {
  eventStream,
  inboxPrefix,
  jetStreamApiGrants,
  natsAuthorization,
  natsPasswordEnv,
  natsUser,
} from "./auth";
export { FILE_STORE_SHARE, fileStoreMaxMiB, natsValues } from "./values";
