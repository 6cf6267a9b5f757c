/**
 * Production runs exactly the images it was given: in a cloud stack every container image carries a version
 * tag other than `latest`, or a digest. (The k3s stack may run whatever a developer builds.)
 */
import { containers, isWorkload } from "../k8s";
import {
  isCloudStack,
  isUnknown,
  label,
  str,
  type Finding,
  type GuardedResource,
  type StackRule,
} from "../resource";

/** What is wrong with an image reference, or undefined when it is pinned (a tag other than latest, or a digest). */
export function imagePinProblem(image: string): string | undefined {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  if (image.includes("@")) return "has a malformed digest";
  const name = image.slice(image.lastIndexOf("/") + 1);
  const colon = name.lastIndexOf(":");
  if (colon < 0 || colon === name.length - 1) return "has no tag (which means latest)";
  if (name.slice(colon + 1) === "latest") return "uses the tag latest";
  return undefined;
}

function unpinned(resources: readonly GuardedResource[]): Finding[] {
  if (!isCloudStack(resources)) return [];
  return resources
    .filter((r) => isWorkload(r.type))
    .flatMap((r) =>
      containers(r).flatMap((c) => {
        const image = c.spec.image;
        if (isUnknown(image)) return []; // a digest pushed by this very update
        const text = str(image);
        const problem = text === undefined ? "is not set" : imagePinProblem(text);
        return problem
          ? [
              {
                urn: r.urn,
                message:
                  `${label(r)}: container "${c.name}" image ${JSON.stringify(text ?? "")} ${problem}; pin a version tag ` +
                  "or a digest (image@sha256:...) in production",
              },
            ]
          : [];
      }),
    );
}

export const pinnedImages: StackRule = {
  scope: "stack",
  name: "pinned-images",
  description:
    "In production (cloud) stacks every container image has a version tag other than latest, or a digest.",
  check: unpinned,
};
