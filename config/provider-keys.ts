/**
 * Which stack config keys outside `ferrum:` the program understands. A stack file's key must belong to a
 * namespace the program reads: a typo in the namespace (`ferum:cloud`) would otherwise be ignored, and the
 * stack would plan as something else than the user meant (prod as k3s).
 *
 * Provider keys are checked against what the installed provider SDKs themselves read (their generated
 * `config/vars.js`, or the provider's own inputs where a package has no config module), never a hand-written
 * list, so an SDK upgrade that adds a key needs no change here. Reads files only: no Pulumi engine.
 */
import { existsSync, readFileSync } from "fs";
import * as path from "path";

/** Provider SDKs whose resources the program creates, by the cloud stacks that use their configuration. */
export const PROVIDER_PACKAGES = {
  "@pulumi/aws": { clouds: ["aws"], why: "only an AWS stack (ferrum:cloud aws) uses the AWS provider" },
  "@pulumi/azure-native": {
    clouds: ["azure"],
    why: "only an Azure stack (ferrum:cloud azure) uses the azure-native provider",
  },
  "@pulumi/docker": {
    clouds: ["aws", "azure"],
    why: "only the cloud stacks build images (ferrum:services.<name>.buildContext)",
  },
  // Every Kubernetes resource uses an explicit provider built from ferrum:kubeconfig / ferrum:kubeContext
  // (k3s) or from the cluster the stack creates; explicit providers never read `kubernetes:` config.
  "@pulumi/kubernetes": {
    clouds: [],
    why: "every Kubernetes resource uses the provider the stack builds (from ferrum:kubeconfig and ferrum:kubeContext on k3s, from the cluster it creates in the clouds), which never reads kubernetes: config",
  },
  "@pulumi/random": { clouds: [], why: "the random provider takes no configuration" },
  "@pulumiverse/time": { clouds: [], why: "the time provider takes no configuration" },
} as const satisfies Record<string, { clouds: readonly string[]; why: string }>;

export type ProviderPackage = keyof typeof PROVIDER_PACKAGES;

/** Namespaces Pulumi itself owns (`pulumi:tags`, `pulumi:disable-default-providers`): always allowed. */
export const PULUMI_NAMESPACE = "pulumi";

export interface ProviderKeys {
  readonly package: ProviderPackage;
  /** The namespace its keys live in (`aws`, `azure-native`), from the package's own package.json. */
  readonly namespace: string;
  readonly keys: readonly string[];
  /** Clouds whose stacks use this provider's configuration. */
  readonly clouds: readonly string[];
  readonly why: string;
}

function packageDir(pkg: string, root: string): string {
  return path.dirname(require.resolve(`${pkg}/package.json`, { paths: [root] }));
}

/**
 * The config keys a provider SDK reads: `__config.get*("key")` in its generated config module, or, for a
 * package without one (kubernetes, random), the inputs its Provider resource takes.
 */
export function sdkConfigKeys(dir: string): string[] {
  const vars = path.join(dir, "config/vars.js");
  if (existsSync(vars)) {
    const text = readFileSync(vars, "utf8");
    return [...new Set([...text.matchAll(/__config\.get\w*\("([^"]+)"\)/g)].map((m) => m[1]))].sort();
  }
  const text = readFileSync(path.join(dir, "provider.js"), "utf8");
  return [...new Set([...text.matchAll(/resourceInputs\["([^"]+)"\]/g)].map((m) => m[1]))].sort();
}

let cache: { root: string; providers: ProviderKeys[] } | undefined;

/** Every provider the program uses, with the keys its installed SDK reads. */
export function providerKeys(root = path.resolve(__dirname, "..")): ProviderKeys[] {
  if (cache?.root === root) return cache.providers;
  const providers = (Object.keys(PROVIDER_PACKAGES) as ProviderPackage[]).map((pkg) => {
    const dir = packageDir(pkg, root);
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as {
      pulumi?: { name?: string };
    };
    const namespace = manifest.pulumi?.name ?? pkg.replace(/^@[^/]+\//, "");
    return { package: pkg, namespace, keys: sdkConfigKeys(dir), ...PROVIDER_PACKAGES[pkg] };
  });
  cache = { root, providers };
  return providers;
}

/** `aws:region` as `{namespace: "aws", name: "region"}`; undefined for a key without a namespace. */
export function splitKey(full: string): { namespace: string; name: string } | undefined {
  const i = full.indexOf(":");
  return i > 0 ? { namespace: full.slice(0, i), name: full.slice(i + 1) } : undefined;
}
