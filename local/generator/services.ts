/**
 * Every local service, built once: its definition as docker-compose.yml has it, and what docker-stack.yml needs
 * beyond it (model.ts's SwarmTraits). data-services.ts and django-services.ts build them from the k3s pod specs
 * and the components' constants; environment.ts renders each Django service's env. Pure.
 */
import type { FerrumConfig } from "../../config";
import { DEFAULT_DATABASE_SLOTS, slotProblems } from "../../components/redis-ha/databases";
import { DEFAULT_DATABASES } from "../../components/redis-ha/settings";
import { dataServices } from "./data-services";
import { djangoServices } from "./django-services";
import { djangoEnvironment } from "./environment";
import type { LocalService } from "./model";
import { composeVariables, EnvVariable } from "./variables";

/** Everything both local stacks are written from. */
export interface LocalModel {
  /** The variables the services reference (tokens); local/make-env.ts writes the secret ones into `.env`. */
  readonly variables: readonly EnvVariable[];
  /** Each catalog service's environment (environment.ts), by service name. */
  readonly environments: Readonly<Record<string, Record<string, string>>>;
  /** Every service, in the files' order: the data services, then each catalog service's. */
  readonly services: readonly LocalService[];
}

/** The local model of `config` (the dev stack's). Throws when a service lacks a Redis database slot. */
export async function localModel(config: FerrumConfig, traefikImage: string): Promise<LocalModel> {
  const slotIssues = slotProblems(
    config.services.map((s) => s.name),
    DEFAULT_DATABASE_SLOTS,
    DEFAULT_DATABASES,
  );
  if (slotIssues.length) throw new Error(`compose: ${slotIssues.join("; ")}`);
  const environments: Record<string, Record<string, string>> = {};
  for (const s of config.services) environments[s.name] = await djangoEnvironment(config, s);
  return {
    variables: composeVariables(config),
    environments,
    services: [
      ...dataServices(config, traefikImage),
      ...config.services.flatMap((s) => djangoServices(config.apiHost, s)),
    ],
  };
}
