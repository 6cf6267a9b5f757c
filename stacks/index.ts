/**
 * Picks the composition for the stack's cloud. Each returns the stack outputs.
 *
 * Each cloud's module is loaded only for its own stack: the AWS one pulls in @pulumi/aws's modules,
 * the Azure one azure-native's modules, and a dev run (or preview) should not pay for either.
 */
import type { LoadedConfig } from "../config";
import type { StackOutputs } from "./platform";

export type { StackOutputs };

/* eslint-disable @typescript-eslint/no-require-imports */
export function deployStack(config: LoadedConfig): StackOutputs {
  switch (config.cloud) {
    case "k3s":
      return (require("./dev") as typeof import("./dev")).devStack(config);
    case "aws":
      return (require("./aws") as typeof import("./aws")).awsStack(config);
    case "azure":
      return (require("./azure") as typeof import("./azure")).azureStack(config);
  }
}
