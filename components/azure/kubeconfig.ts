/**
 * The AKS user kubeconfig, made usable without a person at the keyboard. With Entra ID integration and local
 * accounts disabled, AKS hands out a kubeconfig whose user runs `kubelogin get-token --login devicecode`:
 * fine for a person once, useless for `pulumi up` in CI. This does what `kubelogin convert-kubeconfig -l
 * <mode>` does, inside the program, so the Kubernetes provider gets its token from the Azure CLI's login
 * (a person after `az login`, a GitHub job after `azure/login`) or from a federated workload identity
 * (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`). Pure.
 */
import { parse, stringify } from "yaml";

export type KubeloginMode = "azurecli" | "workloadidentity";

/** The application id of the AKS Entra ID server: the audience of every AKS token. */
export const AKS_ENTRA_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

interface ExecConfig {
  command?: string;
  args?: string[];
  [key: string]: unknown;
}
interface KubeconfigUser {
  name?: string;
  user?: { exec?: ExecConfig; [key: string]: unknown };
}

/** The value of `--flag` in kubelogin's arguments, if present. */
function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The arguments `kubelogin convert-kubeconfig -l <mode>` writes. */
export function kubeloginArgs(mode: KubeloginMode, serverId: string): string[] {
  return ["get-token", "--login", mode, "--server-id", serverId];
}

/**
 * Rewrites every kubelogin user of a kubeconfig (YAML or JSON text) to the given login mode and returns it
 * as YAML. Users that do not run kubelogin are left as they are.
 */
export function kubeloginKubeconfig(text: string, mode: KubeloginMode): string {
  const config = parse(text) as { users?: KubeconfigUser[]; [key: string]: unknown };
  for (const u of config.users ?? []) {
    const exec = u.user?.exec;
    if (!exec || !/(^|\/)kubelogin$/.test(exec.command ?? "")) continue;
    const serverId = flag(exec.args ?? [], "--server-id") ?? AKS_ENTRA_SERVER_ID;
    exec.args = kubeloginArgs(mode, serverId);
    // Nothing to ask a person: the token comes from a login that already happened.
    exec.interactiveMode = "Never";
  }
  return stringify(config);
}
