/**
 * Reading a version setting against lib/versions.ts: only the versions the table lists are accepted (they
 * are the ones with standard support left), the newest is the default, and a refusal names every accepted
 * version with its end date. Pure; used by config-aws.ts and config-azure.ts.
 */
import { ObjectReader, show } from "./reader";
import { allowedVersions, defaultVersion, describeAllowed, retiredOn, VersionCloud } from "../lib/versions";

const WHAT: Record<"kubernetes" | "postgresql", Record<VersionCloud, string>> = {
  kubernetes: {
    aws: "an EKS Kubernetes minor that lib/versions.ts lists, each inside EKS standard support",
    azure: "an AKS Kubernetes minor that lib/versions.ts lists, each inside AKS's community support window",
  },
  postgresql: {
    aws: "a PostgreSQL major version that lib/versions.ts lists for RDS",
    azure: "a PostgreSQL major version that lib/versions.ts lists for Flexible Server",
  },
};

/** Why a value is not in the table, when the table or its shape can say. */
function why(component: "kubernetes" | "postgresql", cloud: VersionCloud, value: string): string {
  const retired = component === "kubernetes" ? retiredOn(cloud, value) : undefined;
  if (retired && cloud === "aws")
    return `: its EKS standard support ended ${retired} and extended support bills the cluster at a higher hourly price; a cluster still on it moves up one minor at a time (README, "Versions and their support dates")`;
  if (retired)
    return `: its AKS community support ended ${retired}, and AKS runs a version past its window only as long-term support on the Premium tier, which this program does not set up`;
  if (component === "postgresql" && /^\d+\.\d+$/.test(value))
    return `: name the major only; RDS applies minor versions itself (autoMinorVersionUpgrade), and a pinned minor turns its first automatic upgrade into an attempted downgrade`;
  return "";
}

/** A version setting that must be one of the table's versions for `component` on `cloud`. */
export function tableVersion(
  r: ObjectReader,
  name: string,
  component: "kubernetes" | "postgresql",
  cloud: VersionCloud,
): string {
  const fallback = defaultVersion(component, cloud);
  const value = r.versionText(name, fallback);
  if (allowedVersions(component, cloud).includes(value)) return value;
  const key = `${r.path}.${name}`;
  r.problems.add(
    key,
    `must be ${WHAT[component][cloud]}: ${describeAllowed(component, cloud)} (got ${show(value)}${why(component, cloud, value)}); set it with: ${r.problems.set(key, fallback)}`,
  );
  return fallback;
}
