/**
 * The Ferrum program: read and validate config, compose the stack for its cloud, export its outputs.
 * Nothing else lives here; the offline plan (tools/plan.ts) runs this same function under mocks.
 */
import { loadConfig } from "./config";
import { deployStack } from "./stacks";

export = async () => deployStack(loadConfig());
