/**
 * The prod-azure stack's offline plan: the security-critical inputs of every Azure resource, and that the
 * Kubernetes workloads keep the dev stack's contract.
 */
import { parse } from "yaml";
import { manifests, PlanConfigError, resourceEntries } from "../../harness/planner";
import { kindNames, webEnv } from "../helpers/manifests";
import { AZURE_SUBSCRIPTION, AZURE_TENANT } from "../../harness/cloud-fixtures";
import { isSecretEnvelope, PlanResult, runPlan } from "../helpers/pulumi";
import { aksAuthorizedRanges, privateZoneOf } from "../../components/azure/api-access";
import { sharedPlan } from "../helpers/shared-plans";

const SERVICES = ["auth", "user", "content", "catalog"];
const NAME = "ferrum-prod-azure";
const DEPLOYER = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const ADMIN_GROUP = "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b";
const role = (guid: string) =>
  `/subscriptions/${AZURE_SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const ROLES = {
  acrPull: role("7f951dda-4ed3-4680-a7ca-43fe172d538d"),
  acrPush: role("8311e382-0749-4cb8-b61a-304f252e45ec"),
  clusterAdmin: role("b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"),
  networkContributor: role("4d97b98b-1d4f-4787-a291-c67834d212e7"),
};

const RUNNER_VNET =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/ci/providers/Microsoft.Network/virtualNetworks/runners";
/** One plan with every non-default branch at once: a runner in a peered VNet (private API), workload identity
 * kubelogin, Azure Managed Redis, a private registry, a service image built here. */
const VARIANT = [
  `ferrum:deployer=${JSON.stringify({ runner: "privateNetwork", cidrs: ["10.60.0.0/24"], azure: { vnetId: RUNNER_VNET } })}`,
  "ferrum:azure.kubelogin=workloadidentity",
  "ferrum:azure.cache=azureManagedRedis",
  "ferrum:azure.acrPublicNetworkAccess=Disabled",
  "ferrum:services.catalog.buildContext=../catalog-service",
  // The build decides the digest: the stack file's would do nothing.
  "ferrum:services.catalog.digest=",
];

type Entry = ReturnType<typeof entriesOf>[number];
const entriesOf = (p: PlanResult) =>
  (resourceEntries(p, true) as any[]).map((e, i) => ({ ...e, state: p.resources[i].state }));

let plan: PlanResult;
let entries: Entry[];
let variant: PlanResult;
let variantEntries: Entry[];
beforeAll(async () => {
  plan = await sharedPlan("prod-azure");
  entries = entriesOf(plan);
  variant = await runPlan("prod-azure", VARIANT);
  variantEntries = entriesOf(variant);
});

const finder = (list: () => Entry[]) => ({
  ofType: (type: string) => list().filter((e) => e.type === type),
  one: (type: string, name?: string): Entry => {
    const found = list().filter((e) => e.type === type && (name === undefined || e.name === name));
    expect(found.map((e) => `${e.type} ${e.name}`)).toHaveLength(1);
    return found[0];
  },
});
const { ofType, one } = finder(() => entries);
const v = finder(() => variantEntries);

/**
 * Whether an id input refers to the resource: the id the mock runtime answered for it (`<name>-id`) or the
 * realistic one its fixture holds.
 */
const refersTo = (value: unknown, e: Entry): boolean => value === `${e.name}-id` || value === e.state.id;

describe("prod-azure: what only this stack requires", () => {
  // The refusal is thrown inside the program (the region is a provider setting read there); runPlan turns
  // it into the same PlanConfigError the command line prints, and nothing is left in flight.
  test("without a region and without anybody to administer the cluster, the plan fails naming both", async () => {
    const refused = await runPlan("prod-azure", [
      "azure-native:location=",
      "ferrum:azure.deployerPrincipalId=",
      "ferrum:azure.adminGroupObjectIds=[]",
    ]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(PlanConfigError);
    expect((refused as PlanConfigError).problems).toEqual([
      "azure-native:location must be an Azure region name such as westeurope (got nothing); set it with: -c 'azure-native:location=westeurope'",
      expect.stringContaining(
        "ferrum:azure.deployerPrincipalId must be set, or azure.adminGroupObjectIds must list a group",
      ),
    ]);
  });
});

describe("prod-azure: network", () => {
  test("a protected resource group; a VNet with a nodes subnet, a subnet delegated to Flexible Server and one for private endpoints, none with default outbound access", () => {
    expect(one("azure-native:resources:ResourceGroup").options.protect).toBe(true);
    expect(one("azure-native:network:VirtualNetwork").inputs.addressSpace).toEqual({
      addressPrefixes: ["10.50.0.0/16"],
    });
    const subnets = Object.fromEntries(
      ofType("azure-native:network:Subnet").map((s) => [s.inputs.subnetName, s.inputs]),
    );
    expect(Object.keys(subnets).sort()).toEqual(["nodes", "postgres", "private-endpoints"]);
    expect(subnets.postgres.delegations).toEqual([
      expect.objectContaining({ serviceName: "Microsoft.DBforPostgreSQL/flexibleServers" }),
    ]);
    expect(subnets.nodes.delegations).toBeUndefined();
    for (const s of Object.values(subnets) as any[]) expect(s.defaultOutboundAccess).toBe(false);
    expect([
      subnets.nodes.addressPrefix,
      subnets.postgres.addressPrefix,
      subnets["private-endpoints"].addressPrefix,
    ]).toEqual(["10.50.0.0/20", "10.50.16.0/24", "10.50.17.0/24"]);
  });

  test("the server's private DNS zone is linked to the VNet, and the server waits for the link", () => {
    const zone = one("azure-native:privatedns:PrivateZone");
    expect(zone.inputs.privateZoneName).toBe(`${NAME}.private.postgres.database.azure.com`);
    const link = one("azure-native:privatedns:VirtualNetworkLink");
    expect(refersTo(link.inputs.virtualNetwork.id, one("azure-native:network:VirtualNetwork"))).toBe(true);
    expect(link.inputs.registrationEnabled).toBe(false);
    expect(one("azure-native:dbforpostgresql:Server").options.dependsOn).toContain(link.urn);
  });
});

describe("prod-azure: AKS", () => {
  const cluster = () => one("azure-native:containerservice:ManagedCluster");

  test("Azure CNI overlay with Cilium enforcing NetworkPolicies; OIDC issuer and workload identity on", () => {
    expect(cluster().inputs).toMatchObject({
      networkProfile: {
        networkPlugin: "azure",
        networkPluginMode: "overlay",
        networkDataplane: "cilium",
        networkPolicy: "cilium",
        outboundType: "loadBalancer",
      },
      oidcIssuerProfile: { enabled: true },
      securityProfile: { workloadIdentity: { enabled: true } },
    });
  });

  test("Entra ID with Azure RBAC, local accounts disabled, the admin group from config", () => {
    expect(cluster().inputs).toMatchObject({
      aadProfile: { managed: true, enableAzureRBAC: true, adminGroupObjectIDs: [ADMIN_GROUP] },
      disableLocalAccounts: true,
      enableRBAC: true,
    });
  });

  test("a runner with static egress: the API server is public to exactly its CIDRs (and people's), never 0.0.0.0/0", async () => {
    expect(cluster().inputs.apiServerAccessProfile).toEqual({
      enablePrivateCluster: false,
      authorizedIPRanges: ["203.0.113.16/28"],
    });
    expect(aksAuthorizedRanges(undefined, ["198.51.100.0/24"])).toEqual(["198.51.100.0/24"]);
    expect(
      aksAuthorizedRanges({ runner: "staticEgress", cidrs: ["203.0.113.16/28"], afterBootstrap: false }, [
        "203.0.113.16/28",
        "198.51.100.0/24",
      ]),
    ).toEqual(["203.0.113.16/28", "198.51.100.0/24"]);
    await expect(runPlan("prod-azure", ['ferrum:azure.authorizedIpRanges=["0.0.0.0/0"]'])).rejects.toThrow(
      'ferrum:azure.authorizedIpRanges must not open the cluster API to the whole internet (got "0.0.0.0/0")',
    );
  });

  test("a runner in a peered VNet: a private API server, the VNets peered both ways, the API's private zone linked to the runner's VNet", () => {
    expect(v.one("azure-native:containerservice:ManagedCluster").inputs.apiServerAccessProfile).toEqual({
      enablePrivateCluster: true,
      privateDNSZone: "system",
      enablePrivateClusterPublicFQDN: false,
    });
    const peerings = v
      .ofType("azure-native:network:VirtualNetworkPeering")
      .sort((a, b) => a.name.localeCompare(b.name))
      .reverse()
      .map((e) => e.inputs);
    expect(peerings).toEqual([
      expect.objectContaining({
        virtualNetworkName: "ferrum-prod-azure-vnet",
        remoteVirtualNetwork: { id: RUNNER_VNET },
        allowVirtualNetworkAccess: true,
      }),
      expect.objectContaining({
        resourceGroupName: "ci",
        virtualNetworkName: "runners",
        remoteVirtualNetwork: { id: expect.stringMatching(/virtualNetworks\/ferrum-prod-azure-vnet$/) },
      }),
    ]);
    const link = v.one(
      "azure-native:privatedns:VirtualNetworkLink",
      "ferrum-prod-azure-api-dns-runner",
    ).inputs;
    expect(link).toMatchObject({
      resourceGroupName: "ferrum-prod-azure-nodes",
      virtualNetwork: { id: RUNNER_VNET },
      registrationEnabled: false,
    });
    expect(link.privateZoneName).toMatch(/\.privatelink\.westeurope\.azmk8s\.io$/);
    expect(privateZoneOf("ferrum-x.abc.privatelink.westeurope.azmk8s.io")).toBe(
      "abc.privatelink.westeurope.azmk8s.io",
    );
  });

  test("the Kubernetes provider waits for the deployer's role, propagated (a real five-minute wait), and the runner's path", () => {
    const wait = one("time:index/sleep:Sleep", "ferrum-prod-azure-cluster-admin-propagation");
    expect(wait.inputs).toEqual({ createDuration: "300s", triggers: { assignment: expect.any(String) } });
    expect(one("pulumi:providers:kubernetes").options.dependsOn).toEqual([wait.urn]);
    expect([...v.one("pulumi:providers:kubernetes").options.dependsOn].sort()).toEqual(
      [
        v.one("time:index/sleep:Sleep").urn,
        ...v.ofType("azure-native:network:VirtualNetworkPeering").map((e) => e.urn),
        v.one("azure-native:privatedns:VirtualNetworkLink", "ferrum-prod-azure-api-dns-runner").urn,
      ].sort(),
    );
  });

  test("a system pool over three zones, autoscaled within config's bounds; pool size left to the autoscaler; protected", () => {
    const c = cluster();
    expect(c.inputs.agentPoolProfiles).toEqual([
      expect.objectContaining({
        mode: "System",
        availabilityZones: ["1", "2", "3"],
        enableAutoScaling: true,
        minCount: 3,
        maxCount: 6,
        vmSize: "Standard_D4ds_v5",
        enableNodePublicIP: false,
      }),
    ]);
    expect(
      refersTo(
        c.inputs.agentPoolProfiles[0].vnetSubnetID,
        one("azure-native:network:Subnet", `${NAME}-nodes`),
      ),
    ).toBe(true);
    expect(c.options.protect).toBe(true);
    expect(c.options.ignoreChanges).toContain("agentPoolProfiles[0].count");
  });

  test("patch auto-upgrades of the table's minor, community support (no LTS); Azure Monitor off unless a workspace is configured", () => {
    const c = cluster().inputs;
    // The stack file's minor, inside AKS's community window on the Standard tier: no long-term support plan.
    expect(c).toMatchObject({
      kubernetesVersion: "1.36",
      sku: { name: "Base", tier: "Standard" },
      supportPlan: "KubernetesOfficial",
    });
    expect(c.autoUpgradeProfile).toEqual({ upgradeChannel: "patch", nodeOSUpgradeChannel: "NodeImage" });
    expect(c.azureMonitorProfile).toEqual({ metrics: { enabled: false } });
    expect(c.addonProfiles).toEqual({});
  });

  test("the control plane's own identity holds Network Contributor on the nodes' subnet before the cluster exists", () => {
    const identity = one("azure-native:managedidentity:UserAssignedIdentity");
    const grant = one("azure-native:authorization:RoleAssignment", `${NAME}-network-contributor`);
    expect(grant.inputs).toMatchObject({
      principalId: identity.state.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: ROLES.networkContributor,
    });
    expect(refersTo(grant.inputs.scope, one("azure-native:network:Subnet", `${NAME}-nodes`))).toBe(true);
    const c = cluster();
    expect(c.inputs.identity.type).toBe("UserAssigned");
    expect(c.options.dependsOn).toContain(grant.urn);
  });

  test("the deploying identity is AKS RBAC Cluster Admin on the cluster, and every Kubernetes object waits for it through the provider", () => {
    const grant = one("azure-native:authorization:RoleAssignment", `${NAME}-cluster-admin`);
    expect(grant.inputs).toMatchObject({
      principalId: DEPLOYER,
      principalType: "ServicePrincipal",
      roleDefinitionId: ROLES.clusterAdmin,
    });
    expect(refersTo(grant.inputs.scope, cluster())).toBe(true);
    const wait = one("time:index/sleep:Sleep");
    expect(wait.waitsFor).toContain(grant.urn);
    const provider = one("pulumi:providers:kubernetes");
    expect(provider.options.dependsOn).toEqual([wait.urn]);
    const namespaces = ofType("kubernetes:core/v1:Namespace");
    expect(namespaces.map((n) => n.name).sort()).toEqual([
      "edge-cert-manager-namespace",
      "namespace",
      "traefik-namespace",
    ]);
    for (const n of namespaces) expect(n.options.provider).toBe(provider.urn);
  });

  test("the Kubernetes provider's kubeconfig is secret and signs in through kubelogin, never by device code", () => {
    const raw = plan.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(isSecretEnvelope((raw.inputs as any).kubeconfig)).toBe(true);
    const exec = (p: PlanResult) => {
      const text = (entriesOf(p).find((e) => e.type === "pulumi:providers:kubernetes") as Entry).inputs
        .kubeconfig;
      return parse(text).users[0].user.exec;
    };
    expect(exec(plan)).toMatchObject({
      command: "kubelogin",
      args: ["get-token", "--login", "azurecli", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630"],
      interactiveMode: "Never",
    });
    expect(exec(variant).args).toContain("workloadidentity");
    expect(
      parse(
        (entriesOf(plan).find((e) => e.type === "pulumi:providers:kubernetes") as Entry).inputs.kubeconfig,
      ).clusters[0].cluster.server,
    ).toMatch(/\.hcp\.westeurope\.azmk8s\.io:443$/);
    expect(
      parse(
        (entriesOf(variant).find((e) => e.type === "pulumi:providers:kubernetes") as Entry).inputs.kubeconfig,
      ).clusters[0].cluster.server,
    ).toMatch(/privatelink\.westeurope\.azmk8s\.io:443$/);
  });
});

describe("prod-azure: Flexible Server", () => {
  const server = () => one("azure-native:dbforpostgresql:Server");

  test("PostgreSQL 16, zone-redundant HA, private through the delegated subnet and its DNS zone, backed up", () => {
    const s = server();
    expect(s.inputs).toMatchObject({
      version: "16",
      highAvailability: { mode: "ZoneRedundant" },
      administratorLogin: "ferrum_admin",
      network: { publicNetworkAccess: "Disabled" },
      backup: { geoRedundantBackup: "Disabled" },
      storage: { autoGrow: "Enabled" },
      sku: { tier: "GeneralPurpose" },
    });
    expect(s.inputs.highAvailability.standbyAvailabilityZone).not.toBe(s.inputs.availabilityZone);
    expect(s.inputs.backup.backupRetentionDays).toBeGreaterThanOrEqual(7);
    expect(
      refersTo(
        s.inputs.network.delegatedSubnetResourceId,
        one("azure-native:network:Subnet", `${NAME}-postgres`),
      ),
    ).toBe(true);
    expect(
      refersTo(s.inputs.network.privateDnsZoneArmResourceId, one("azure-native:privatedns:PrivateZone")),
    ).toBe(true);
  });

  test("protected and delete-locked; the admin password is secret and its changes are ignored (the provider would replace the server)", () => {
    const s = server();
    expect(s.options.protect).toBe(true);
    expect(s.options.ignoreChanges).toContain("administratorLoginPassword");
    const lock = one("azure-native:authorization:ManagementLockByScope").inputs;
    expect(lock.level).toBe("CanNotDelete");
    expect(refersTo(lock.scope, s)).toBe(true);
    const raw = plan.resources.find((r) => r.type === "azure-native:dbforpostgresql:Server")!;
    expect(isSecretEnvelope((raw.inputs as any).administratorLoginPassword)).toBe(true);
  });

  test("TLS required by a server parameter", () => {
    expect(one("azure-native:dbforpostgresql:Configuration").inputs).toMatchObject({
      configurationName: "require_secure_transport",
      value: "on",
    });
  });

  test("four protected databases, created one at a time; the non-superuser bootstrap Job waits for all of them", () => {
    const dbs = ofType("azure-native:dbforpostgresql:Database");
    expect(dbs.map((d) => d.inputs.databaseName).sort()).toEqual(SERVICES.map((s) => `ferrum_${s}`).sort());
    for (const d of dbs) expect(d.options.protect).toBe(true);
    for (const [i, d] of dbs.entries()) if (i > 0) expect(d.options.dependsOn).toContain(dbs[i - 1].urn);
    const job = one("kubernetes:batch/v1:Job", "postgres-bootstrap");
    for (const d of dbs) expect(job.options.dependsOn).toContain(d.urn);
    const env = Object.fromEntries(
      job.inputs.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
    );
    expect(env).toMatchObject({
      PGHOST: `${NAME}.postgres.database.azure.com`,
      PGUSER: "ferrum_admin",
      PGSSLMODE: "require",
    });
  });
});

describe("prod-azure: ACR", () => {
  test("admin user and anonymous pull disabled; Premium with zone redundancy and untagged manifests expired", () => {
    expect(one("azure-native:containerregistry:Registry").inputs).toMatchObject({
      registryName: "ferrumprodazure",
      adminUserEnabled: false,
      anonymousPullEnabled: false,
      sku: { name: "Premium" },
      zoneRedundancy: "Enabled",
      publicNetworkAccess: "Enabled",
      policies: { retentionPolicy: { status: "enabled", days: 14 } },
    });
  });

  test("AcrPull on the registry to the cluster's kubelet identity; AcrPush to the deploying identity", () => {
    const registry = one("azure-native:containerregistry:Registry");
    const kubelet = (one("azure-native:containerservice:ManagedCluster").state.identityProfile as any)
      .kubeletidentity.objectId;
    const pull = one("azure-native:authorization:RoleAssignment", "acr-pull").inputs;
    expect(pull).toMatchObject({
      principalId: kubelet,
      principalType: "ServicePrincipal",
      roleDefinitionId: ROLES.acrPull,
    });
    expect(refersTo(pull.scope, registry)).toBe(true);
    const push = one("azure-native:authorization:RoleAssignment", "acr-push").inputs;
    expect(push).toMatchObject({ principalId: DEPLOYER, roleDefinitionId: ROLES.acrPush });
    expect(refersTo(push.scope, registry)).toBe(true);
  });

  test("a build context builds and pushes with the deploying identity's az acr login, no stored credential; the Deployment runs the digest", () => {
    const image = v.one("docker:index/image:Image");
    expect(image.inputs.build).toEqual({ context: "../catalog-service", platform: "linux/amd64" });
    expect(image.inputs.registry).toEqual({ server: "ferrumprodazure.azurecr.io" });
    expect(image.options.dependsOn).toContain(
      v.one("azure-native:authorization:RoleAssignment", "acr-push").urn,
    );
    const web = (manifests(variant) as any[]).find(
      (x) => x.kind === "Deployment" && x.metadata.name === "catalog-web",
    );
    expect(web.spec.template.spec.containers[0].image).toMatch(
      /^ferrumprodazure\.azurecr\.io\/ferrum\/catalog-service@sha256:[0-9a-f]{64}$/,
    );
  });

  test("public network access disabled: a private endpoint in the VNet and the privatelink.azurecr.io zone linked to it", () => {
    expect(v.one("azure-native:containerregistry:Registry").inputs.publicNetworkAccess).toBe("Disabled");
    const endpoint = v.ofType("azure-native:network:PrivateEndpoint").find((e) => e.name === "acr-endpoint")!;
    expect(endpoint.inputs.privateLinkServiceConnections[0].groupIds).toEqual(["registry"]);
    expect(
      refersTo(endpoint.inputs.subnet.id, v.one("azure-native:network:Subnet", `${NAME}-endpoints`)),
    ).toBe(true);
    expect(v.one("azure-native:privatedns:PrivateZone", "acr-dns").inputs.privateZoneName).toBe(
      "privatelink.azurecr.io",
    );
    expect(
      v.one("azure-native:privatedns:VirtualNetworkLink", "acr-dns-link").inputs.registrationEnabled,
    ).toBe(false);
  });
});

/** The ACR cache of ghcr.io/ferrum in the prod-azure stack's registry. */
const CACHE = "ferrumprodazure.azurecr.io/ghcr/ferrum";
/** The example digests of Pulumi.prod-azure.yaml. */
const PROD_DIGESTS: Record<string, string> = {
  auth: `sha256:${"1".repeat(64)}`,
  user: `sha256:${"2".repeat(64)}`,
  content: `sha256:${"3".repeat(64)}`,
  catalog: `sha256:${"4".repeat(64)}`,
};

describe("prod-azure: service images by digest through the ACR cache of ghcr.io", () => {
  const objects = () => manifests(plan, true) as any[];
  const raw = (type: string, name: string) => plan.resources.find((r) => r.type === type && r.name === name)!;

  test("every container of every service runs <registry>.azurecr.io/ghcr/ferrum/<repo>:<tag>@<digest>, with no pull secret", () => {
    const deployments = objects().filter(
      (x) => x.kind === "Deployment" && SERVICES.includes(x.metadata.labels["app.kubernetes.io/name"]),
    );
    expect(deployments).toHaveLength(6);
    for (const d of deployments) {
      const s = d.metadata.labels["app.kubernetes.io/name"];
      const spec = d.spec.template.spec;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers])
        expect(c.image).toBe(`${CACHE}/${s}-service:1.0.0@${PROD_DIGESTS[s]}`);
      expect(spec.imagePullSecrets).toBeUndefined();
    }
  });

  test("a cache rule maps ghcr/ferrum/* to ghcr.io/ferrum/* and logs in through a credential set", () => {
    const rule = one("azure-native:containerregistry:CacheRule", "acr-ghcr");
    const credentials = one("azure-native:containerregistry:CredentialSet", "acr-ghcr");
    const registry = one("azure-native:containerregistry:Registry");
    expect(rule.inputs).toEqual({
      resourceGroupName: NAME,
      registryName: "ferrumprodazure",
      cacheRuleName: "ghcr",
      sourceRepository: "ghcr.io/ferrum/*",
      targetRepository: "ghcr/ferrum/*",
      credentialSetResourceId: credentials.state.id,
    });
    expect(rule.parent).toBe(registry.urn);
    // Its first pull reads the login: the credential set may read the vault by then.
    expect(rule.options.dependsOn).toEqual([
      one("azure-native:authorization:RoleAssignment", "acr-ghcr-read").urn,
    ]);
    expect(credentials.inputs).toEqual({
      resourceGroupName: NAME,
      registryName: "ferrumprodazure",
      credentialSetName: "ghcr",
      loginServer: "ghcr.io",
      identity: { type: "SystemAssigned" },
      authCredentials: [
        {
          name: "Credential1",
          usernameSecretIdentifier: "https://ferrum-prod-azure.vault.azure.net/secrets/ghcr-username",
          passwordSecretIdentifier: "https://ferrum-prod-azure.vault.azure.net/secrets/ghcr-password",
        },
      ],
    });
  });

  test("the login lives in a protected, RBAC-only, purge-protected Key Vault; the token stays secret; the credential set reads it as Key Vault Secrets User", () => {
    const vault = one("azure-native:keyvault:Vault", "acr-vault");
    expect(vault.inputs).toMatchObject({
      vaultName: "ferrum-prod-azure",
      properties: {
        tenantId: AZURE_TENANT,
        sku: { family: "A", name: "standard" },
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 7,
        enablePurgeProtection: true,
      },
    });
    expect(vault.inputs.properties.accessPolicies).toBeUndefined();
    expect(vault.options.protect).toBe(true);
    const password = raw("azure-native:keyvault:Secret", "acr-ghcr-password");
    expect(isSecretEnvelope((password.inputs as any).properties)).toBe(true);
    expect(one("azure-native:keyvault:Secret", "acr-ghcr-password").inputs.properties).toEqual({
      value: "plan-placeholder-ferrum-imageRegistryPassword",
    });
    expect(one("azure-native:keyvault:Secret", "acr-ghcr-username").inputs).toMatchObject({
      secretName: "ghcr-username",
      properties: { value: "ferrum-ci" },
    });
    const read = one("azure-native:authorization:RoleAssignment", "acr-ghcr-read");
    const credentials = one("azure-native:containerregistry:CredentialSet", "acr-ghcr");
    expect(read.inputs).toMatchObject({
      principalId: credentials.state.identity.principalId,
      principalType: "ServicePrincipal",
      roleDefinitionId: role("4633458b-17de-408a-b874-0445c86b69e6"),
    });
    expect(refersTo(read.inputs.scope, vault)).toBe(true);
  });

  test("a Job pulls each service's image by tag after the cache rule and the kubelet's AcrPull; the service's pods wait for it", () => {
    const rule = one("azure-native:containerregistry:CacheRule", "acr-ghcr");
    const pull = one("azure-native:authorization:RoleAssignment", "acr-pull");
    for (const s of SERVICES) {
      const job = one("kubernetes:batch/v1:Job", `${s}-image-cache`);
      expect(job.inputs.spec.template.spec.containers.map((c: any) => c.image)).toEqual([
        `${CACHE}/${s}-service:1.0.0`,
      ]);
      expect(job.options.dependsOn).toEqual(expect.arrayContaining([rule.urn, pull.urn]));
      expect(one("ferrum:index:DjangoService", s).options.dependsOn).toEqual(
        expect.arrayContaining([job.urn, rule.urn]),
      );
    }
  });

  test("without ferrum:imageRegistryUsername the rule pulls anonymously (ghcr.io's public images): no credential set, no vault", async () => {
    const anonymous = await runPlan("prod-azure", ["ferrum:imageRegistryUsername="]);
    const types = anonymous.resources.map((r) => r.type);
    expect(types).not.toContain("azure-native:keyvault:Vault");
    expect(types).not.toContain("azure-native:containerregistry:CredentialSet");
    const rule = anonymous.resources.find((r) => r.type === "azure-native:containerregistry:CacheRule")!;
    expect(rule.inputs).toEqual({
      resourceGroupName: NAME,
      registryName: "ferrumprodazure",
      cacheRuleName: "ghcr",
      sourceRepository: "ghcr.io/ferrum/*",
      targetRepository: "ghcr/ferrum/*",
    });
    expect(anonymous.placeholders).not.toContain("ferrum:imageRegistryPassword");
  });
});

describe("prod-azure: the workloads keep the dev contract", () => {
  const objects = () => manifests(plan, true) as any[];
  const envOf = webEnv;

  test("every DATABASE_URL points at the Flexible Server with sslmode=require", () => {
    for (const s of SERVICES) {
      expect(envOf(objects(), s).secret.DATABASE_URL).toMatch(
        new RegExp(
          `^postgres://ferrum_${s}_a:[A-Za-z0-9]{32}@${NAME}\\.postgres\\.database\\.azure\\.com:5432/ferrum_${s}\\?sslmode=require&options=-c%20role%3Dferrum_${s}$`,
        ),
      );
    }
  });

  test("the same Deployments, HPAs, PDBs, routes, NetworkPolicies and env keys as dev (plus SMTP)", async () => {
    const dev = manifests(await sharedPlan("dev"), true) as any[];
    const shape = (o: any[]) =>
      kindNames(o, [
        "Deployment",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "IngressRoute",
        "Middleware",
        "NetworkPolicy",
      ]);
    expect(shape(objects())).toEqual(shape(dev));
    // Every key dev has (the static MinIO keys included); prod adds the SMTP login dev does not set.
    for (const s of SERVICES) {
      for (const part of ["secret", "config"] as const)
        expect(Object.keys(envOf(objects(), s)[part])).toEqual(
          expect.arrayContaining(Object.keys(envOf(dev, s)[part])),
        );
    }
  });

  test("MinIO's public host is objects. beside the API host, routed like the API, admitted from Traefik's namespace", () => {
    const route = objects().find((o) => o.kind === "IngressRoute" && o.metadata.name === "object-store");
    const api = objects().find((o) => o.kind === "IngressRoute" && o.metadata.name === "catalog");
    expect(route.spec.routes[0].match).toBe("Host(`objects.ferrum.example.com`)");
    expect([route.spec.entryPoints, route.spec.tls]).toEqual([api.spec.entryPoints, api.spec.tls]);
    const policy = objects().find(
      (o) => o.kind === "NetworkPolicy" && o.metadata.name === "allow-ingress-to-object-store",
    );
    expect(policy.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } },
    ]);
    for (const s of SERVICES) {
      expect(envOf(objects(), s).config).toMatchObject({
        AWS_S3_ENDPOINT_URL: "http://minio.ferrum.svc.cluster.local:9000",
        AWS_S3_PUBLIC_ENDPOINT_URL: "https://objects.ferrum.example.com",
        AWS_S3_PUBLIC_BASE_URL: `https://objects.ferrum.example.com/ferrum-prod-azure-${s}`,
      });
    }
  });

  test("Redis with Sentinel and MinIO on zone-redundant Premium disks, retained; a snapshot class for backups", () => {
    const sc = one("kubernetes:storage.k8s.io/v1:StorageClass").inputs;
    expect(sc).toMatchObject({
      metadata: { name: "ferrum-premium-zrs" },
      provisioner: "disk.csi.azure.com",
      parameters: { skuName: "Premium_ZRS" },
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
    });
    const sets = objects().filter((x) => x.kind === "StatefulSet");
    expect(sets.map((x) => x.metadata.name).sort()).toEqual([
      "minio",
      "redis",
      "redis-cache",
      "redis-sentinel",
    ]);
    for (const set of sets)
      for (const claim of set.spec.volumeClaimTemplates ?? [])
        expect(claim.spec.storageClassName).toBe("ferrum-premium-zrs");
    expect(one("kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass").inputs).toMatchObject({
      driver: "disk.csi.azure.com",
      deletionPolicy: "Retain",
    });
  });

  test("Traefik is the only LoadBalancer, behind the Azure load balancer", () => {
    const traefik = ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "traefik")!.inputs;
    expect(traefik.values.service).toMatchObject({
      type: "LoadBalancer",
      spec: { externalTrafficPolicy: "Local" },
      annotations: {
        "service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz",
        "service.beta.kubernetes.io/azure-dns-label-name": NAME,
      },
    });
    expect(objects().filter((o) => o.kind === "Service" && o.spec.type === "LoadBalancer")).toEqual([]);
  });

  test("nothing of AWS", () => {
    expect(entries.filter((e) => /^(aws|awsx|eks):/.test(e.type)).map((e) => e.type)).toEqual([]);
    expect(ofType("azure-native:containerservice:ManagedCluster")).toHaveLength(1);
  });
});

describe("prod-azure: ferrum:azure.cache azureManagedRedis", () => {
  test("Azure Managed Redis behind a private endpoint in the VNet, its zone linked to the VNet; no Redis pods", () => {
    const cluster = v.one("azure-native:redisenterprise:RedisEnterprise", "redis-cluster");
    expect(cluster.inputs).toMatchObject({ publicNetworkAccess: "Disabled", sku: { name: "Balanced_B5" } });
    // Django's caches on a cluster of their own (AllKeysLRU), the smallest SKU unless ferrum:azure.redisCacheSku says.
    expect(v.one("azure-native:redisenterprise:RedisEnterprise", "redis-lru-cluster").inputs).toMatchObject({
      publicNetworkAccess: "Disabled",
      sku: { name: "Balanced_B0" },
    });
    const endpoint = v
      .ofType("azure-native:network:PrivateEndpoint")
      .find((e) => e.name === "redis-endpoint")!;
    expect(
      refersTo(endpoint.inputs.subnet.id, v.one("azure-native:network:Subnet", `${NAME}-endpoints`)),
    ).toBe(true);
    const zone = v.one("azure-native:privatedns:PrivateZone", `${NAME}-redis-dns`);
    expect(zone.inputs.privateZoneName).toBe("privatelink.redis.azure.net");
    expect(
      refersTo(
        v.one("azure-native:privatedns:VirtualNetworkLink", `${NAME}-redis-dns-link`).inputs.virtualNetwork
          .id,
        v.one("azure-native:network:VirtualNetwork"),
      ),
    ).toBe(true);
    const group = v.ofType("azure-native:network:PrivateDnsZoneGroup").find((e) => e.name === "redis-dns")!;
    expect(refersTo(group.inputs.privateDnsZoneConfigs[0].privateDnsZoneId, zone)).toBe(true);
    const objects = manifests(variant, true) as any[];
    expect(objects.filter((x) => x.kind === "StatefulSet").map((x) => x.metadata.name)).toEqual(["minio"]);
    const web = objects.find((x) => x.kind === "Deployment" && x.metadata.name === "auth-web");
    const secret = objects.find(
      (x) =>
        x.kind === "Secret" &&
        x.metadata.name === web.spec.template.spec.containers[0].envFrom[1].secretRef.name,
    ).stringData;
    expect(secret.REDIS_URL).toMatch(
      /^rediss:\/\/:[^@]+@[a-z0-9-]+\.westeurope\.redis\.azure\.net:10000\/0\?ssl_check_hostname=true$/,
    );
    expect(ofType("azure-native:redisenterprise:RedisEnterprise")).toEqual([]);
  });
});
