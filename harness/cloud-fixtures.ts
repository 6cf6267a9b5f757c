/**
 * What AWS and Azure would answer, for the offline plan and the tests: fixed, realistic values, provider-
 * secret outputs marked secret.
 */
import { createHash } from "crypto";
import { isSecretEnvelope, secretEnvelope } from "./envelope";

export const ACCOUNT_ID = "123456789012";
export const AWS_REGION = "eu-central-1";

type Values = Record<string, unknown>;

const hex = (seed: string, n: number) => createHash("sha256").update(seed).digest("hex").slice(0, n);
/** Pulumi's physical auto-name: the logical name plus 7 random characters. */
const physical = (name: string) => `${name}-${hex(name, 7)}`;

const OIDC_ID = "5C3E1F0A9B8D7C6E5F4A3B2C1D0E9F8A";

/** A GUID made from a seed, as Azure hands out for principals and role assignments. */
const guid = (seed: string): string => {
  const h = hex(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export function awsOutputs(type: string, name: string, inputs: Values): Values | undefined {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${AWS_REGION}:${ACCOUNT_ID}:${resource}`;
  switch (type) {
    case "aws:ec2/vpc:Vpc":
      return { ...inputs, id: `vpc-${hex(name, 17)}`, arn: arn("ec2", `vpc/vpc-${hex(name, 17)}`) };
    case "aws:ec2/subnet:Subnet":
      return { ...inputs, id: `subnet-${hex(name, 17)}`, arn: arn("ec2", `subnet/subnet-${hex(name, 17)}`) };
    case "aws:eks/cluster:Cluster": {
      const clusterName = (inputs.name as string) ?? physical(name);
      return {
        ...inputs,
        name: clusterName,
        arn: arn("eks", `cluster/${clusterName}`),
        endpoint: `https://${hex(name, 32).toUpperCase()}.gr7.${AWS_REGION}.eks.amazonaws.com`,
        certificateAuthority: { data: Buffer.from(`ferrum-plan-ca:${clusterName}`).toString("base64") },
        identities: [{ oidcs: [{ issuer: `https://oidc.eks.${AWS_REGION}.amazonaws.com/id/${OIDC_ID}` }] }],
        vpcConfig: {
          ...(inputs.vpcConfig as Values),
          clusterSecurityGroupId: `sg-${hex(`${name}-cluster`, 17)}`,
          vpcId: `vpc-${hex(`${name}-vpc`, 17)}`,
        },
      };
    }
    case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
      const url = String(inputs.url ?? "").replace(/^https:\/\//, "");
      return { ...inputs, url, arn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${url}` };
    }
    case "aws:kms/key:Key": {
      const keyId = guid(name);
      return { ...inputs, keyId, arn: arn("kms", `key/${keyId}`) };
    }
    case "aws:ec2/launchTemplate:LaunchTemplate":
      return {
        ...inputs,
        id: `lt-${hex(name, 17)}`,
        latestVersion: 1,
        arn: arn("ec2", `launch-template/lt-${hex(name, 17)}`),
      };
    case "aws:iam/role:Role": {
      const roleName = (inputs.name as string) ?? physical(name);
      return {
        ...inputs,
        name: roleName,
        arn: `arn:aws:iam::${ACCOUNT_ID}:role/${roleName}`,
        uniqueId: `AROA${hex(name, 17).toUpperCase()}`,
      };
    }
    case "aws:rds/instance:Instance": {
      const id = (inputs.identifier as string) ?? physical(name);
      const address = `${id}.c${hex(name, 11)}.${AWS_REGION}.rds.amazonaws.com`;
      return { ...inputs, address, endpoint: `${address}:5432`, port: 5432, arn: arn("rds", `db:${id}`) };
    }
    case "aws:ec2/securityGroup:SecurityGroup":
      return { ...inputs, id: `sg-${hex(name, 17)}`, arn: arn("ec2", `security-group/sg-${hex(name, 17)}`) };
    case "aws:s3/bucket:Bucket": {
      const bucket = (inputs.bucket as string) ?? physical(name);
      return {
        ...inputs,
        bucket,
        arn: `arn:aws:s3:::${bucket}`,
        bucketRegionalDomainName: `${bucket}.s3.${AWS_REGION}.amazonaws.com`,
      };
    }
    case "aws:ecr/repository:Repository":
      return {
        ...inputs,
        registryId: ACCOUNT_ID,
        repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com/${inputs.name as string}`,
        arn: arn("ecr", `repository/${inputs.name as string}`),
      };
    case "aws:elasticache/replicationGroup:ReplicationGroup": {
      const id = (inputs.replicationGroupId as string) ?? physical(name);
      return {
        ...inputs,
        primaryEndpointAddress: `master.${id}.${hex(name, 6)}.euc1.cache.amazonaws.com`,
        readerEndpointAddress: `replica.${id}.${hex(name, 6)}.euc1.cache.amazonaws.com`,
        port: 6379,
        arn: arn("elasticache", `replicationgroup:${id}`),
      };
    }
    case "aws:cloudfront/distribution:Distribution": {
      const id = `E${hex(name, 13).toUpperCase()}`;
      return {
        ...inputs,
        id,
        arn: `arn:aws:cloudfront::${ACCOUNT_ID}:distribution/${id}`,
        domainName: `d${hex(`${name}-domain`, 13)}.cloudfront.net`,
        hostedZoneId: "Z2FDTNDATAQYW2",
      };
    }
    case "aws:cloudfront/originAccessControl:OriginAccessControl":
      return { ...inputs, id: `E${hex(name, 13).toUpperCase()}` };
    case "aws:secretsmanager/secret:Secret": {
      // Secrets Manager appends six random characters to the name in the ARN.
      const secretName = (inputs.name as string) ?? physical(name);
      const secretArn = arn("secretsmanager", `secret:${secretName}-${hex(name, 6)}`);
      return { ...inputs, name: secretName, arn: secretArn, id: secretArn };
    }
    case "aws:ecr/pullThroughCacheRule:PullThroughCacheRule":
      return { ...inputs, registryId: ACCOUNT_ID, upstreamRegistry: String(inputs.upstreamRegistryUrl) };
    case "docker:index/image:Image":
      return {
        ...inputs,
        repoDigest: `${String(inputs.imageName).replace(/:[^:/]+$/, "")}@sha256:${hex(name, 64)}`,
      };
    default:
      if (!type.startsWith("aws:")) return undefined;
      return {
        ...inputs,
        name: (inputs.name as string) ?? physical(name),
        arn: arn(type.split(":")[1].split("/")[0], physical(name)),
      };
  }
}

export function awsCall(token: string, inputs: Values): Values | undefined {
  switch (token) {
    case "aws:eks/getAddonVersion:getAddonVersion": {
      // EKS answers with its default build for the minor (vX.Y.Z-eksbuild.N); offline there is none to
      // ask, so the plan shows which build preview will resolve.
      const kubernetesVersion = String(inputs.kubernetesVersion);
      return {
        addonName: inputs.addonName,
        kubernetesVersion,
        mostRecent: inputs.mostRecent ?? false,
        version: `eks-default-for-${kubernetesVersion}`,
        id: String(inputs.addonName),
        region: AWS_REGION,
      };
    }
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        userName: "AWS",
        password: secretEnvelope(`eyJwYXlsb2FkIjoi${hex("ecr-token", 40)}`),
        authorizationToken: secretEnvelope(Buffer.from(`AWS:${hex("ecr-token", 40)}`).toString("base64")),
        proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com`,
        expiresAt: "2026-11-27T00:00:00Z",
        id: AWS_REGION,
      };
    case "aws:index/getAvailabilityZones:getAvailabilityZones":
      return {
        names: ["a", "b", "c"].map((z) => `${AWS_REGION}${z}`),
        zoneIds: [1, 2, 3].map((n) => `euc1-az${n}`),
        groupNames: [AWS_REGION],
        id: AWS_REGION,
      };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:role/ferrum-deploy`,
        userId: "AROAEXAMPLE",
        id: ACCOUNT_ID,
      };
    default:
      return undefined;
  }
}

/** An Azure access key as the portal shows one: 32 random bytes in base64 (may hold + / =). */
const azureAccessKey = (seed: string): string =>
  createHash("sha256").update(`ferrum-plan:${seed}`).digest("base64");

export const AZURE_SUBSCRIPTION = "00000000-0000-4000-8000-000000000000";
export const AZURE_TENANT = "11111111-1111-4111-8111-111111111111";
/** The identity the plan runs as (`getClientConfig`): a service principal of the deploy workflow. */
export const AZURE_CLIENT_ID = "22222222-2222-4222-8222-222222222222";
export const AZURE_CLIENT_OBJECT_ID = "33333333-3333-4333-8333-333333333333";

/**
 * The user kubeconfig AKS returns for an Entra ID cluster (`format: exec`): kubelogin in device-code mode,
 * the API server's private or public host name.
 */
function aksKubeconfig(clusterName: string, server: string): string {
  const user = `clusterUser_${clusterName}_${clusterName}`;
  return [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${Buffer.from(`ferrum-plan-ca:${clusterName}`).toString("base64")}`,
    `    server: https://${server}:443`,
    `  name: ${clusterName}`,
    "contexts:",
    "- context:",
    `    cluster: ${clusterName}`,
    `    user: ${user}`,
    `  name: ${clusterName}`,
    `current-context: ${clusterName}`,
    "kind: Config",
    "preferences: {}",
    "users:",
    `- name: ${user}`,
    "  user:",
    "    exec:",
    "      apiVersion: client.authentication.k8s.io/v1beta1",
    "      args:",
    "      - get-token",
    "      - --environment",
    "      - AzurePublicCloud",
    "      - --server-id",
    "      - 6dae42f8-4368-4678-94ff-3960e28e3630",
    "      - --client-id",
    "      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a",
    "      - --tenant-id",
    `      - ${AZURE_TENANT}`,
    "      - --login",
    "      - devicecode",
    "      command: kubelogin",
    "      env: null",
    "      installHint: kubelogin is not installed which is required to connect to AAD enabled cluster.",
    "      interactiveMode: IfAvailable",
    "      provideClusterInfo: false",
    "",
  ].join("\n");
}

/** Host names of the AKS clusters the plan made, by cluster name (the kubeconfig invoke reads them). */
const aksServers = new Map<string, string>();

export function azureOutputs(type: string, name: string, inputs: Values): Values | undefined {
  if (!type.startsWith("azure-native:")) return undefined;
  const autoName = (given: unknown): string => (typeof given === "string" ? given : `${name}${hex(name, 8)}`);
  const ready = { provisioningState: "Succeeded" };
  const id = (provider: string, kind: string, resourceName: string) =>
    `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${String(inputs.resourceGroupName ?? "ferrum")}/providers/${provider}/${kind}/${resourceName}`;
  const network = (kind: string, resourceName: string) => id("Microsoft.Network", kind, resourceName);
  switch (type) {
    case "azure-native:resources:ResourceGroup": {
      const groupName = autoName(inputs.resourceGroupName);
      return {
        ...inputs,
        ...ready,
        name: groupName,
        id: `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${groupName}`,
      };
    }
    case "azure-native:network:VirtualNetwork": {
      const vnetName = autoName(inputs.virtualNetworkName);
      return {
        ...inputs,
        ...ready,
        name: vnetName,
        id: network("virtualNetworks", vnetName),
        resourceGuid: guid(`${name}-vnet`),
      };
    }
    case "azure-native:network:Subnet": {
      const subnetName = autoName(inputs.subnetName);
      return {
        ...inputs,
        ...ready,
        name: subnetName,
        id: `${network("virtualNetworks", String(inputs.virtualNetworkName))}/subnets/${subnetName}`,
      };
    }
    case "azure-native:privatedns:PrivateZone": {
      const zoneName = autoName(inputs.privateZoneName);
      return { ...inputs, ...ready, name: zoneName, id: network("privateDnsZones", zoneName) };
    }
    case "azure-native:privatedns:VirtualNetworkLink": {
      const linkName = autoName(inputs.virtualNetworkLinkName);
      return {
        ...inputs,
        ...ready,
        name: linkName,
        id: `${network("privateDnsZones", String(inputs.privateZoneName))}/virtualNetworkLinks/${linkName}`,
        virtualNetworkLinkState: "Completed",
      };
    }
    case "azure-native:managedidentity:UserAssignedIdentity": {
      const identityName = autoName(inputs.resourceName);
      return {
        ...inputs,
        ...ready,
        name: identityName,
        id: id("Microsoft.ManagedIdentity", "userAssignedIdentities", identityName),
        principalId: guid(`${name}-principal`),
        clientId: guid(`${name}-client`),
        tenantId: AZURE_TENANT,
      };
    }
    case "azure-native:containerservice:ManagedCluster": {
      const clusterName = autoName(inputs.resourceName);
      const location = String(inputs.location);
      const prefix = `${String(inputs.dnsPrefix ?? clusterName)}-${hex(name, 8)}`;
      const fqdn = `${prefix}.hcp.${location}.azmk8s.io`;
      const privateFQDN = `${prefix}.${guid(`${name}-private`)}.privatelink.${location}.azmk8s.io`;
      const access = (inputs.apiServerAccessProfile ?? {}) as Values;
      const isPrivate = access.enablePrivateCluster === true;
      aksServers.set(clusterName, isPrivate ? privateFQDN : fqdn);
      const nodeGroup = String(
        inputs.nodeResourceGroup ?? `MC_${String(inputs.resourceGroupName)}_${clusterName}_${location}`,
      );
      const kubeletId = `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${nodeGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${clusterName}-agentpool`;
      return {
        ...inputs,
        ...ready,
        name: clusterName,
        id: id("Microsoft.ContainerService", "managedClusters", clusterName),
        fqdn: isPrivate && access.enablePrivateClusterPublicFQDN === false ? undefined : fqdn,
        privateFQDN: isPrivate ? privateFQDN : undefined,
        azurePortalFQDN: `${prefix}.portal.hcp.${location}.azmk8s.io`,
        currentKubernetesVersion: `${String(inputs.kubernetesVersion)}.3`,
        nodeResourceGroup: nodeGroup,
        powerState: { code: "Running" },
        identityProfile: {
          kubeletidentity: {
            clientId: guid(`${name}-kubelet-client`),
            objectId: guid(`${name}-kubelet-object`),
            resourceId: kubeletId,
          },
        },
        oidcIssuerProfile: {
          ...((inputs.oidcIssuerProfile as Values | undefined) ?? {}),
          issuerURL: `https://${location}.oic.prod-aks.azure.com/${AZURE_TENANT}/${guid(`${name}-oidc`)}/`,
        },
      };
    }
    case "azure-native:dbforpostgresql:Server": {
      const serverName = autoName(inputs.serverName);
      return {
        ...inputs,
        ...ready,
        name: serverName,
        id: id("Microsoft.DBforPostgreSQL", "flexibleServers", serverName),
        fullyQualifiedDomainName: `${serverName}.postgres.database.azure.com`,
        state: "Ready",
        minorVersion: "9",
        // The provider never returns the password.
        administratorLoginPassword: undefined,
      };
    }
    case "azure-native:dbforpostgresql:Database": {
      const databaseName = autoName(inputs.databaseName);
      return {
        ...inputs,
        name: databaseName,
        id: `${id("Microsoft.DBforPostgreSQL", "flexibleServers", String(inputs.serverName))}/databases/${databaseName}`,
      };
    }
    case "azure-native:dbforpostgresql:Configuration": {
      const configurationName = autoName(inputs.configurationName);
      return {
        ...inputs,
        name: configurationName,
        id: `${id("Microsoft.DBforPostgreSQL", "flexibleServers", String(inputs.serverName))}/configurations/${configurationName}`,
        isConfigPendingRestart: false,
      };
    }
    case "azure-native:containerregistry:Registry": {
      const registryName = autoName(inputs.registryName);
      return {
        ...inputs,
        ...ready,
        name: registryName,
        id: id("Microsoft.ContainerRegistry", "registries", registryName),
        loginServer: `${registryName.toLowerCase()}.azurecr.io`,
        creationDate: "2026-11-26T00:00:00Z",
      };
    }
    case "azure-native:keyvault:Vault": {
      const vaultName = autoName(inputs.vaultName);
      return {
        ...inputs,
        name: vaultName,
        id: id("Microsoft.KeyVault", "vaults", vaultName),
        properties: {
          ...(inputs.properties as Values),
          ...ready,
          vaultUri: `https://${vaultName}.vault.azure.net/`,
        },
      };
    }
    case "azure-native:keyvault:Secret": {
      const secretName = autoName(inputs.secretName);
      const vault = String(inputs.vaultName);
      const uri = `https://${vault}.vault.azure.net/secrets/${secretName}`;
      // The provider never returns a secret's value. (A secret value makes the whole input a secret.)
      const given = isSecretEnvelope(inputs.properties) ? inputs.properties.value : inputs.properties;
      const properties = Object.fromEntries(
        Object.entries((given ?? {}) as Values).filter(([key]) => key !== "value"),
      );
      return {
        ...inputs,
        name: secretName,
        id: `${id("Microsoft.KeyVault", "vaults", vault)}/secrets/${secretName}`,
        properties: { ...properties, secretUri: uri, secretUriWithVersion: `${uri}/${hex(name, 32)}` },
      };
    }
    case "azure-native:containerregistry:CredentialSet": {
      const setName = autoName(inputs.credentialSetName);
      return {
        ...inputs,
        ...ready,
        name: setName,
        id: `${id("Microsoft.ContainerRegistry", "registries", String(inputs.registryName))}/credentialSets/${setName}`,
        identity: { type: "SystemAssigned", principalId: guid(`${name}-principal`), tenantId: AZURE_TENANT },
      };
    }
    case "azure-native:containerregistry:CacheRule": {
      const ruleName = autoName(inputs.cacheRuleName);
      return {
        ...inputs,
        ...ready,
        name: ruleName,
        id: `${id("Microsoft.ContainerRegistry", "registries", String(inputs.registryName))}/cacheRules/${ruleName}`,
      };
    }
    case "azure-native:authorization:RoleAssignment": {
      // Role assignments are named by a GUID; Pulumi generates one.
      const assignmentName =
        typeof inputs.roleAssignmentName === "string" ? inputs.roleAssignmentName : guid(name);
      return {
        ...inputs,
        name: assignmentName,
        id: `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${assignmentName}`,
        principalType: inputs.principalType ?? "ServicePrincipal",
      };
    }
    case "azure-native:redisenterprise:RedisEnterprise": {
      const clusterName = autoName(inputs.clusterName);
      return {
        ...inputs,
        ...ready,
        name: clusterName,
        id: id("Microsoft.Cache", "redisEnterprise", clusterName),
        hostName: `${clusterName}.${String(inputs.location)}.redis.azure.net`,
        redisVersion: "7.4",
        resourceState: "Running",
        privateEndpointConnections: [],
      };
    }
    case "azure-native:redisenterprise:Database":
      return {
        ...inputs,
        ...ready,
        name: autoName(inputs.databaseName),
        redisVersion: "7.4",
        resourceState: "Running",
      };
    default: {
      // Every other azure-native resource: its name from `<type>Name` (Azure names carry no dash), an id.
      const typeName = type.split(":")[2];
      const resourceName = autoName(inputs[`${typeName[0].toLowerCase()}${typeName.slice(1)}Name`]);
      return {
        ...inputs,
        ...ready,
        name: resourceName,
        id: id(`Microsoft.${type.split(":")[1]}`, `${typeName}s`, resourceName),
      };
    }
  }
}

export function azureCall(token: string, inputs: Values): Values | undefined {
  switch (token) {
    case "azure-native:authorization:getClientConfig":
      return {
        clientId: AZURE_CLIENT_ID,
        objectId: AZURE_CLIENT_OBJECT_ID,
        subscriptionId: AZURE_SUBSCRIPTION,
        tenantId: AZURE_TENANT,
      };
    case "azure-native:containerservice:listManagedClusterUserCredentials": {
      const clusterName = String(inputs.resourceName);
      const server =
        aksServers.get(clusterName) ?? `${clusterName}-${hex(clusterName, 8)}.hcp.westeurope.azmk8s.io`;
      const kubeconfig = Buffer.from(aksKubeconfig(clusterName, server)).toString("base64");
      return { kubeconfigs: [{ name: "clusterUser", value: secretEnvelope(kubeconfig) }] };
    }
    case "azure-native:redisenterprise:listDatabaseKeys": {
      const database = `${String(inputs.clusterName)}/${String(inputs.databaseName)}`;
      return {
        primaryKey: secretEnvelope(azureAccessKey(`${database}:primary`)),
        secondaryKey: secretEnvelope(azureAccessKey(`${database}:secondary`)),
      };
    }
    default:
      return undefined;
  }
}
