export { EventBus, eventBusProblems } from "./event-bus";
export type { EventBusArgs, EventBusConnection } from "./types";
export { NATS_CHART, NATS_RELEASE, NATS_CLIENT_PORT } from "./charts";
export { natsAuthorization, natsPasswordEnv, natsUser } from "./auth";
export { natsValues } from "./values";
