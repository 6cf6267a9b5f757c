/** Picks the composition for the stack's cloud. Each returns the stack outputs. */
import type { LoadedConfig } from "../config";
import { awsStack } from "./aws";
import { azureStack } from "./azure";
import { devStack } from "./dev";
import type { StackOutputs } from "./platform";

export type { StackOutputs };

export function deployStack(config: LoadedConfig): StackOutputs {
  switch (config.cloud) {
    case "k3s":
      return devStack(config);
    case "aws":
      return awsStack(config);
    case "azure":
      return azureStack(config);
  }
}
