export { DjangoService } from "./django-service";
export type { DjangoServiceArgs } from "./django-service";
export type { RoutingArgs } from "./routing";
export { renderEnv } from "./env";
export { migrateCommand, MIGRATE_LOCK_SCRIPT } from "./migrate";
