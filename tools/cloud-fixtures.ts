/**
 * What AWS and Azure would answer, for the offline plan and the tests: fixed, realistic values, provider-
 * secret outputs marked secret. Multi-language components (awsx Vpc, eks Cluster) register as one resource
 * under mocks, so their outputs are made up here from what they were given.
 */
import { createHash } from "crypto";
import { secretEnvelope } from "./envelope";

export const ACCOUNT_ID = "123456789012";
export const AWS_REGION = "eu-central-1";

type Values = Record<string, unknown>;

const hex = (seed: string, n: number) => createHash("sha256").update(seed).digest("hex").slice(0, n);
/** Pulumi's physical auto-name: the logical name plus 7 random characters. */
const physical = (name: string) => `${name}-${hex(name, 7)}`;

const subnets = (kind: string, name: string) =>
  ["a", "b", "c"].map((az) => `subnet-${hex(`${name}-${kind}-${az}`, 17)}`);

const OIDC_ID = "5C3E1F0A9B8D7C6E5F4A3B2C1D0E9F8A";

export function awsOutputs(type: string, name: string, inputs: Values): Values | undefined {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${AWS_REGION}:${ACCOUNT_ID}:${resource}`;
  switch (type) {
    case "awsx:ec2:Vpc":
      return {
        ...inputs,
        vpcId: `vpc-${hex(name, 17)}`,
        publicSubnetIds: subnets("public", name),
        privateSubnetIds: subnets("private", name),
        isolatedSubnetIds: subnets("isolated", name),
      };
    case "eks:index:Cluster": {
      const clusterName = (inputs.name as string) ?? physical(name);
      const kubeconfig = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          {
            name: clusterName,
            cluster: { server: `https://${hex(name, 32).toUpperCase()}.gr7.${AWS_REGION}.eks.amazonaws.com` },
          },
        ],
      };
      return {
        ...inputs,
        eksCluster: { name: clusterName, arn: arn("eks", `cluster/${clusterName}`) },
        clusterSecurityGroupId: `sg-${hex(`${name}-cluster`, 17)}`,
        nodeSecurityGroupId: `sg-${hex(`${name}-node`, 17)}`,
        oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/oidc.eks.${AWS_REGION}.amazonaws.com/id/${OIDC_ID}`,
        oidcProviderUrl: `oidc.eks.${AWS_REGION}.amazonaws.com/id/${OIDC_ID}`,
        oidcIssuer: `oidc.eks.${AWS_REGION}.amazonaws.com/id/${OIDC_ID}`,
        kubeconfig,
        kubeconfigJson: secretEnvelope(JSON.stringify(kubeconfig)),
      };
    }
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

export function awsCall(token: string, _inputs: Values): Values | undefined {
  switch (token) {
    case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
      return {
        userName: "AWS",
        password: secretEnvelope(`eyJwYXlsb2FkIjoi${hex("ecr-token", 40)}`),
        authorizationToken: secretEnvelope(Buffer.from(`AWS:${hex("ecr-token", 40)}`).toString("base64")),
        proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.${AWS_REGION}.amazonaws.com`,
        expiresAt: "2026-11-27T00:00:00Z",
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

export function azureOutputs(type: string, name: string, inputs: Values): Values | undefined {
  if (!type.startsWith("azure-native:")) return undefined;
  const autoName = (given: unknown): string => (typeof given === "string" ? given : `${name}${hex(name, 8)}`);
  const ready = { provisioningState: "Succeeded" };
  const id = (provider: string, kind: string, resourceName: string) =>
    `/subscriptions/${AZURE_SUBSCRIPTION}/resourceGroups/${String(inputs.resourceGroupName ?? "ferrum")}/providers/${provider}/${kind}/${resourceName}`;
  switch (type) {
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
