/**
 * `ferrum:azure`: the Azure stack's settings (network, AKS, Flexible Server, cache, ACR). Pure; read by config.ts.
 * The region is `azure-native:location`, the provider's own key; it is read here because the stack cannot
 * run without it, and checked with the other Azure-only requirements by {@link azureStackProblems}.
 */
import { vnetCidrProblems } from "../lib/azure-subnets";
import { ObjectReader, ConfigProblems, show } from "./reader";
import { tableVersion } from "./versions";
import { UTC_TIME } from "./aws";

/** `ferrum:azure.postgres.restore`: restore mode (README, "Restoring production"). */
export interface AzureRestoreSettings {
  /** Name of the restored server. */
  readonly serverName: string;
  /** UTC, RFC 3339. */
  readonly pointInTime: string;
  /** Stop declaring the original server (once a person has unprotected it and removed its lock). */
  readonly retireOriginal: boolean;
}

export const AZURE_LOCATION_KEY = "azure-native:location";

/** Storage sizes a Flexible Server accepts, GiB. */
export const FLEXIBLE_SERVER_STORAGE_GIB = [
  32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32767,
] as const;

export interface AzureSettings {
  /** Azure region (`azure-native:location`). */
  readonly location: string;
  /** Resource group holding every resource of the stack. */
  readonly resourceGroupName: string;
  /** CIDR of the VNet: nodes, the database's delegated subnet, private endpoints. */
  readonly vnetCidr: string;
  /**
   * AKS Kubernetes minor, inside AKS's community support window: one lib/versions.ts lists (default: the
   * newest). Patches come from the auto-upgrade channel.
   */
  readonly kubernetesVersion: string;
  /** AKS pricing tier: Standard carries the uptime SLA. */
  readonly clusterTier: "Free" | "Standard" | "Premium";
  /** AKS auto-upgrade channel of the control plane and nodes. */
  readonly upgradeChannel: "patch" | "stable" | "rapid" | "node-image" | "none";
  /** The system node pool, one node per zone at least, resized by the cluster autoscaler. */
  readonly systemPool: {
    readonly vmSize: string;
    readonly minCount: number;
    readonly maxCount: number;
    readonly osDiskSizeGiB: number;
  };
  /** CIDRs allowed to reach the public API server; empty makes the cluster private (no public endpoint). */
  readonly authorizedIpRanges: readonly string[];
  /** Entra ID groups whose members are cluster admins. */
  readonly adminGroupObjectIds: readonly string[];
  /** Object id of the identity that runs `pulumi up`: gets AKS RBAC Cluster Admin and AcrPush. */
  readonly deployerPrincipalId: string;
  /** What the deploying identity is: Azure refuses a role assignment whose principal type does not match. */
  readonly deployerPrincipalType: "ServicePrincipal" | "User" | "Group";
  /** How the Kubernetes provider's kubelogin gets its Entra token. */
  readonly kubelogin: "azurecli" | "workloadidentity";
  /** Log Analytics workspace for Container Insights; empty keeps Azure Monitor off. */
  readonly logAnalyticsWorkspaceId: string;
  readonly postgres: {
    /** Server name: also the host name `<name>.postgres.database.azure.com`, unique across Azure. */
    readonly serverName: string;
    readonly skuName: string;
    /** Zone-redundant HA needs GeneralPurpose or MemoryOptimized (Burstable has no HA). */
    readonly tier: "GeneralPurpose" | "MemoryOptimized";
    readonly storageGiB: number;
    readonly backupRetentionDays: number;
    /** Fixed at creation: changing it later needs a restore into a new server. */
    readonly geoRedundantBackup: boolean;
    /** Restore mode: the services move to a server restored from a point in time. */
    readonly restore?: AzureRestoreSettings;
  };
  /** Redis: in-cluster Sentinel (the spec's choice) or Azure Managed Redis. */
  readonly cache: "inCluster" | "azureManagedRedis";
  readonly redisSku: string;
  /** SKU of the caches' Azure Managed Redis (AllKeysLRU). */
  readonly redisCacheSku: string;
  /** Registry name: also `<name>.azurecr.io`, unique across Azure. */
  readonly acrName: string;
  readonly acrSku: "Basic" | "Standard" | "Premium";
  /** Disabled: reachable through a private endpoint in the VNet only (Premium). */
  readonly acrPublicNetworkAccess: "Enabled" | "Disabled";
  /**
   * Key Vault holding the login ACR's artifact cache uses for ferrum:imageRegistry (an authenticated cache
   * only): also `<name>.vault.azure.net`, unique across Azure.
   */
  readonly keyVaultName: string;
}

const CIDR = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
const SERVER_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const ACR_NAME = /^[a-zA-Z0-9]{5,50}$/;
/** Key Vault names: 3 to 24 letters, digits and single hyphens, from a letter to a letter or digit. */
const KEY_VAULT_NAME = /^(?=.{3,24}$)[a-zA-Z](-?[a-zA-Z0-9])*$/;
const REGION = /^[a-z][a-z0-9]*$/;
const WORKSPACE_ID =
  /^$|^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;
const REDIS_SKU = /^(Balanced_B|MemoryOptimized_M|ComputeOptimized_X)[0-9]+$/;

/** Names Azure wants unique or shaped, derived from the stack so two stacks never collide. */
export function defaultAzureNames(stack: string): {
  resourceGroupName: string;
  serverName: string;
  acrName: string;
  keyVaultName: string;
} {
  const slug = `ferrum-${stack}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+$/, "");
  return {
    resourceGroupName: slug,
    serverName: slug.slice(0, 63),
    acrName: slug.replace(/-/g, "").slice(0, 50),
    keyVaultName: slug.replace(/-{2,}/g, "-").slice(0, 24).replace(/-+$/, ""),
  };
}

/** Restore mode's settings, or undefined when `restore` is absent. */
function readAzureRestore(r: ObjectReader, original: string): AzureRestoreSettings | undefined {
  if (r.keys().length === 0) return undefined;
  const fallback = `${original.slice(0, 63 - "-restored".length)}-restored`;
  const pointInTime = r.string("pointInTime", "", {
    pattern: UTC_TIME,
    expectation: "a UTC time such as 2026-12-01T09:30:00Z, within the server's backup retention",
    example: "2026-12-01T09:30:00Z",
  });
  const serverName = r.string("serverName", fallback, {
    pattern: SERVER_NAME,
    expectation: "3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
    example: fallback,
  });
  const retireOriginal = r.boolean("retireOriginal", false);
  r.rejectUnknown();
  if (pointInTime === "" && !("pointInTime" in r.value)) {
    r.problems.add(
      `${r.path}.pointInTime`,
      `must be set in restore mode: Flexible Server restores from a point in time (got ${show(r.value)}); set it with: ${r.problems.set(`${r.path}.pointInTime`, "2026-12-01T09:30:00Z")}`,
    );
  }
  if (serverName === original) {
    r.problems.add(
      `${r.path}.serverName`,
      `must differ from the original server's name (got ${JSON.stringify(serverName)}): the restore is a new server; set it with: ${r.problems.set(`${r.path}.serverName`, fallback)}`,
    );
  }
  return { serverName, pointInTime, retireOriginal };
}

export function readAzureSettings(
  r: ObjectReader,
  ctx: { readonly stack: string; readonly location?: string },
): AzureSettings {
  const p = r.problems;
  const names = defaultAzureNames(ctx.stack);
  const location = ctx.location ?? "";

  const pool = r.object("systemPool");
  const systemPool = {
    vmSize: pool.string("vmSize", "Standard_D4ds_v5", {
      pattern: /^Standard_[A-Za-z0-9_]+$/,
      expectation: "an Azure VM size",
      example: "Standard_D4ds_v5",
    }),
    minCount: pool.integer("minCount", 3, 1, 1000),
    maxCount: pool.integer("maxCount", 6, 1, 1000),
    osDiskSizeGiB: pool.integer("osDiskSizeGiB", 128, 30, 2048),
  };
  pool.rejectUnknown();
  pool.atLeast("maxCount", systemPool.maxCount, "minCount", systemPool.minCount);

  const pg = r.object("postgres");
  const postgres = {
    serverName: pg.string("serverName", names.serverName, {
      pattern: SERVER_NAME,
      expectation: "3 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen",
      example: names.serverName,
    }),
    skuName: pg.string("skuName", "Standard_D4ds_v5", {
      pattern: /^Standard_[A-Za-z0-9_]+$/,
      expectation: "a Flexible Server compute size",
      example: "Standard_D4ds_v5",
    }),
    tier: pg.oneOf("tier", ["GeneralPurpose", "MemoryOptimized"] as const, "GeneralPurpose"),
    storageGiB: pg.integer("storageGiB", 128, 32, 32767),
    backupRetentionDays: pg.integer("backupRetentionDays", 14, 7, 35),
    geoRedundantBackup: pg.boolean("geoRedundantBackup", false),
  };
  const restore = readAzureRestore(pg.object("restore"), postgres.serverName);
  pg.rejectUnknown();
  if (!(FLEXIBLE_SERVER_STORAGE_GIB as readonly number[]).includes(postgres.storageGiB)) {
    p.add(
      "azure.postgres.storageGiB",
      `must be one of the sizes Flexible Server offers, ${FLEXIBLE_SERVER_STORAGE_GIB.join(", ")} (got ${postgres.storageGiB}); set it with: ${r.problems.set("azure.postgres.storageGiB", 128)}`,
    );
  }

  const vnetCidr = r.string("vnetCidr", "10.50.0.0/16", {
    pattern: CIDR,
    expectation: "an IPv4 CIDR",
    example: "10.50.0.0/16",
  });
  const vnetProblems = vnetCidrProblems(vnetCidr);
  if (vnetProblems.length) {
    p.add(
      "azure.vnetCidr",
      `must be ${vnetProblems.join(" and ")} (got ${JSON.stringify(vnetCidr)}); set it with: ${r.problems.set("azure.vnetCidr", "10.50.0.0/16")}`,
    );
  }

  const settings: AzureSettings = {
    location,
    resourceGroupName: r.string("resourceGroupName", names.resourceGroupName, {
      pattern: RESOURCE_GROUP,
      expectation: "a resource group name",
      example: names.resourceGroupName,
    }),
    vnetCidr,
    kubernetesVersion: tableVersion(r, "kubernetesVersion", "kubernetes", "azure"),
    clusterTier: r.oneOf("clusterTier", ["Free", "Standard", "Premium"] as const, "Standard"),
    upgradeChannel: r.oneOf(
      "upgradeChannel",
      ["patch", "stable", "rapid", "node-image", "none"] as const,
      "patch",
    ),
    systemPool,
    authorizedIpRanges: r.stringList("authorizedIpRanges", [], { pattern: CIDR, expectation: "IPv4 CIDRs" }),
    adminGroupObjectIds: r.stringList("adminGroupObjectIds", [], {
      pattern: GUID,
      expectation: "Entra ID group object ids (GUIDs)",
    }),
    deployerPrincipalId: r.string("deployerPrincipalId", "", {
      pattern: new RegExp(`^$|${GUID.source}`, "i"),
      expectation: "the object id (a GUID) of the identity that runs pulumi up",
      example: "00000000-0000-0000-0000-000000000000",
    }),
    deployerPrincipalType: r.oneOf(
      "deployerPrincipalType",
      ["ServicePrincipal", "User", "Group"] as const,
      "ServicePrincipal",
    ),
    kubelogin: r.oneOf("kubelogin", ["azurecli", "workloadidentity"] as const, "azurecli"),
    logAnalyticsWorkspaceId: r.string("logAnalyticsWorkspaceId", "", {
      pattern: WORKSPACE_ID,
      expectation: "a Log Analytics workspace resource id",
      example:
        "/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>",
    }),
    postgres: restore ? { ...postgres, restore } : postgres,
    cache: r.oneOf("cache", ["inCluster", "azureManagedRedis"] as const, "inCluster"),
    redisSku: r.string("redisSku", "Balanced_B5", {
      pattern: REDIS_SKU,
      expectation: "an Azure Managed Redis SKU (Balanced_B<n>, MemoryOptimized_M<n>, ComputeOptimized_X<n>)",
      example: "Balanced_B5",
    }),
    redisCacheSku: r.string("redisCacheSku", "Balanced_B0", {
      pattern: REDIS_SKU,
      expectation: "an Azure Managed Redis SKU (Balanced_B<n>, MemoryOptimized_M<n>, ComputeOptimized_X<n>)",
      example: "Balanced_B0",
    }),
    acrName: r.string("acrName", names.acrName, {
      pattern: ACR_NAME,
      expectation: "5 to 50 letters and digits",
      example: names.acrName,
    }),
    acrSku: r.oneOf("acrSku", ["Basic", "Standard", "Premium"] as const, "Premium"),
    acrPublicNetworkAccess: r.oneOf("acrPublicNetworkAccess", ["Enabled", "Disabled"] as const, "Enabled"),
    keyVaultName: r.string("keyVaultName", names.keyVaultName, {
      pattern: KEY_VAULT_NAME,
      expectation: "3 to 24 letters, digits and single hyphens, starting with a letter",
      example: names.keyVaultName,
    }),
  };

  const wide = settings.authorizedIpRanges.filter((c) => /\/0$/.test(c));
  if (wide.length) {
    p.add(
      "azure.authorizedIpRanges",
      `must not open the cluster API to the whole internet (got ${JSON.stringify(wide[0])}); list your runners' and offices' CIDRs, or none for a private cluster, e.g.: ${r.problems.set("azure.authorizedIpRanges", "'[\"203.0.113.0/24\"]'")}`,
    );
  }
  if (settings.acrPublicNetworkAccess === "Disabled" && settings.acrSku !== "Premium") {
    p.add(
      "azure.acrPublicNetworkAccess",
      `can be Disabled only with acrSku Premium, which serves private endpoints (got acrSku ${JSON.stringify(settings.acrSku)}); set it with: ${r.problems.set("azure.acrSku", "Premium")}`,
    );
  }
  r.rejectUnknown();
  return settings;
}

/**
 * What only an Azure stack needs of its settings: a region, and somebody to administer the cluster. Checked
 * by parseConfig for Azure stacks, with every other setting (every stack reads `ferrum:azure`'s defaults,
 * but only an Azure stack must have these).
 */
export function azureStackProblems(s: AzureSettings, problems: ConfigProblems): void {
  if (!REGION.test(s.location)) {
    problems.add(
      AZURE_LOCATION_KEY,
      `must be an Azure region name such as westeurope (got ${s.location === "" ? "nothing" : JSON.stringify(s.location)}); set it with: ${problems.set(AZURE_LOCATION_KEY, "westeurope")}`,
    );
  }
  if (s.deployerPrincipalId === "" && s.adminGroupObjectIds.length === 0) {
    problems.add(
      "azure.deployerPrincipalId",
      `must be set, or azure.adminGroupObjectIds must list a group: local accounts are disabled, so nobody could administer the cluster otherwise (got ""); set it with: ${problems.set("azure.deployerPrincipalId", "$(az ad signed-in-user show --query id -o tsv)")}`,
    );
  }
}
