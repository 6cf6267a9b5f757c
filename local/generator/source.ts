/**
 * Where the compose file's settings come from: the k3s dev stack's config, layered as the CLI layers it
 * (Pulumi.yaml defaults, then Pulumi.dev.yaml) and validated by config.ts. Reads files; the renderer is pure.
 */
import { FerrumConfig, parseConfig } from "../../config";
import { loadStackConfig, ROOT } from "../../harness/planner";

/** The stack docker-compose.yml mirrors: the k3s one. */
export const COMPOSE_STACK = "dev";

/** The dev stack's validated config. Throws, listing every problem, when it is invalid. */
export function loadComposeConfig(root: string = ROOT): FerrumConfig {
  const input = loadStackConfig(COMPOSE_STACK, [], root);
  const parsed = parseConfig(input.values, COMPOSE_STACK);
  if (!parsed.config) {
    throw new Error(
      `the configuration of stack ${COMPOSE_STACK} is invalid:\n${parsed.problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  return parsed.config;
}
