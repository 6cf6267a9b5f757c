/**
 * ferrum-deployments: Pulumi Deployments settings for the stacks of the `ferrum` project, as code.
 *
 * Off by default. `ferrum-deployments:enabledStacks` names the stacks Pulumi Deployments drives; the GitHub
 * Actions workflows skip exactly the stacks named in the repository variable `DEPLOYMENTS_STACKS`, whose
 * value this program exports (`repositoryVariable`). One stack, one driver.
 *
 * Run from the repository root: `pulumi -C deployments up`.
 */
import * as path from "node:path";
import { defineDeployments } from "./program";
import { readProjectName, readStackFiles } from "./stack-files";

/** The main project lives one directory up. */
const ROOT = path.resolve(__dirname, "..");

export = async () => {
  const project = readProjectName(ROOT);
  return defineDeployments(project, readStackFiles(ROOT, project));
};
