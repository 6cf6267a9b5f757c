/**
 * The Ferrum program: read and validate config, check the versions it runs against their support dates
 * (under the real engine only: lib/support-gate.ts), compose the stack for its cloud, export its outputs.
 * Nothing else lives here; the offline plan (harness/plan.ts) runs this same function under mocks.
 */
import { loadConfig } from "./config";
import { enforceSupportDates, underRealEngine } from "./lib/support-gate";
import { deployStack } from "./stacks";

export = async () => {
  const config = loadConfig();
  if (underRealEngine()) enforceSupportDates(config, new Date());
  return deployStack(config);
};
