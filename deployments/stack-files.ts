/**
 * The main project's stacks as the repository declares them: its name from `Pulumi.yaml` and one stack per
 * `Pulumi.<stack>.yaml`, with the stack's `ferrum:cloud`. Reading the files (rather than listing stacks in
 * config) means a new stack file is picked up by this program as it is by the workflows.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { StackCloud, StackFile } from "./settings";

const CLOUDS: readonly StackCloud[] = ["k3s", "aws", "azure"];
const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;

/** The project's name (`name:` of `<rootDir>/Pulumi.yaml`). */
export function readProjectName(rootDir: string): string {
  const doc = parse(readFileSync(path.join(rootDir, "Pulumi.yaml"), "utf8")) as { name?: unknown } | null;
  if (typeof doc?.name !== "string" || doc.name === "")
    throw new Error(`${path.join(rootDir, "Pulumi.yaml")} has no project name`);
  return doc.name;
}

/** Every `Pulumi.<stack>.yaml` in `rootDir`, sorted by name, with its `<project>:cloud` (default k3s). */
export function readStackFiles(rootDir: string, project: string): StackFile[] {
  const stacks: StackFile[] = [];
  for (const file of readdirSync(rootDir)) {
    const match = STACK_FILE.exec(file);
    if (!match) continue;
    const doc = parse(readFileSync(path.join(rootDir, file), "utf8")) as {
      config?: Record<string, unknown>;
    } | null;
    const cloud = doc?.config?.[`${project}:cloud`] ?? "k3s";
    if (!CLOUDS.includes(cloud as StackCloud))
      throw new Error(
        `${file}: ${project}:cloud must be one of ${CLOUDS.join(", ")} (got ${JSON.stringify(cloud)})`,
      );
    stacks.push({ name: match[1]!, cloud: cloud as StackCloud });
  }
  return stacks.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
