/** Picks the composition for the stack's cloud. Each returns the stack outputs. */
import * as pulumi from "@pulumi/pulumi";
import type { LoadedConfig } from "../config";
import { awsStack } from "./aws";
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
      throw new pulumi.RunError(
        `ferrum:cloud ${config.cloud} is not composed yet in this version of the program; use ferrum:cloud k3s with an existing cluster`,
      );
  }
}
