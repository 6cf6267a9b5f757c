/**
 * The prod (AWS) stack's offline plan: the security-critical inputs of every AWS resource, and that the
 * Kubernetes workloads keep the dev stack's contract.
 */
import * as pulumi from "@pulumi/pulumi";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { eksApiAccess } from "../../components/aws/api-access";
import { EksCluster, principalKey } from "../../components/aws/cluster";
import type { DeployerSettings } from "../../config/deployer";
import { AwsNetwork } from "../../components/aws/network";
import { parseConfig } from "../../config";
import { requiredWith } from "../helpers/config";
import type { AwsSettings } from "../../config/aws";
import { loadStackConfig, manifests, resourceEntries } from "../../harness/planner";
import { kindNames, webEnv } from "../helpers/manifests";
import { isSecretEnvelope, runPlan, refusal, underMocks, PlanResult } from "../helpers/pulumi";
import { sharedPlan } from "../helpers/shared-plans";

let plan: PlanResult;
let entries: any[];
const ROOT = path.resolve(__dirname, "../..");
beforeAll(async () => {
  plan = await sharedPlan("prod");
  entries = resourceEntries(plan, true) as any[];
});

const SERVICES = ["auth", "user", "content", "catalog"];

/** ferrum:aws as config.ts reads it, with `aws` set: what a component gets from the stack. */
const awsSettings = (aws: Record<string, unknown>): AwsSettings => {
  const parsed = parseConfig(requiredWith("aws", "aws", aws), "prod");
  if (!parsed.config) throw new Error(parsed.problems.join("\n"));
  return parsed.config.aws;
};
/** A variant of one setting, planned as the component alone: the whole stack needs no second plan. */
const network = async (aws: Record<string, unknown>) =>
  (
    await underMocks(
      () =>
        new AwsNetwork("ferrum-prod-vpc", {
          settings: awsSettings(aws),
          clusterName: "ferrum-prod",
          tags: {},
        }),
      {
        stack: "prod",
      },
    )
  ).registrations;
const eksCluster = async (aws: Record<string, unknown>, deployer?: DeployerSettings) =>
  (
    await underMocks(
      () =>
        new EksCluster("ferrum-prod", {
          settings: awsSettings(aws),
          network: {
            vpcId: pulumi.output("vpc-1"),
            vpcCidr: "10.40.0.0/16",
            publicSubnetIds: pulumi.output(["subnet-p1", "subnet-p2", "subnet-p3"]),
            privateSubnetIds: pulumi.output(["subnet-n1", "subnet-n2", "subnet-n3"]),
            isolatedSubnetIds: pulumi.output(["subnet-i1", "subnet-i2", "subnet-i3"]),
            privateSubnets: {
              a: pulumi.output("subnet-n1"),
              b: pulumi.output("subnet-n2"),
              c: pulumi.output("subnet-n3"),
            },
            privateRouteTableIds: {
              a: pulumi.output("rtb-1"),
              b: pulumi.output("rtb-2"),
              c: pulumi.output("rtb-3"),
            },
          },
          access: eksApiAccess(deployer, awsSettings(aws).publicAccessCidrs),
          region: "eu-central-1",
          tags: {},
        }),
      { stack: "prod" },
    )
  ).registrations;
const ofType = (type: string) => entries.filter((e) => e.type === type);
/** What the provider answered for an entry (resources.json's entries carry inputs only). */
const stateOf = (e: { urn: string }): any => plan.resources.find((r) => r.urn === e.urn)!.state;
const one = (type: string, name?: string) => {
  const found = ofType(type).filter((e) => name === undefined || e.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("prod (AWS): network and cluster", () => {
  const subnets = (tier: string) =>
    ofType("aws:ec2/subnet:Subnet")
      .filter((s) => s.name.startsWith(`ferrum-prod-vpc-${tier}-`))
      .map((s) => s.inputs);
  const routeOf = (table: string) =>
    ofType("aws:ec2/route:Route").filter(
      (r) => r.name.startsWith(`${table}-`) || r.name === `${table}-default`,
    );

  test("a VPC over three AZs: public subnets for load balancers only, /19 private ones for nodes, isolated ones with no route out", () => {
    expect(one("aws:ec2/vpc:Vpc").inputs).toMatchObject({
      cidrBlock: "10.40.0.0/16",
      enableDnsHostnames: true,
      enableDnsSupport: true,
    });
    expect(subnets("public").map((s) => [s.cidrBlock, s.availabilityZone])).toEqual([
      ["10.40.96.0/24", "eu-central-1a"],
      ["10.40.97.0/24", "eu-central-1b"],
      ["10.40.98.0/24", "eu-central-1c"],
    ]);
    expect(subnets("private").map((s) => s.cidrBlock)).toEqual([
      "10.40.0.0/19",
      "10.40.32.0/19",
      "10.40.64.0/19",
    ]);
    expect(subnets("isolated").map((s) => s.cidrBlock)).toEqual([
      "10.40.99.0/24",
      "10.40.100.0/24",
      "10.40.101.0/24",
    ]);
    for (const s of ofType("aws:ec2/subnet:Subnet")) expect(s.inputs.mapPublicIpOnLaunch).toBe(false);
    for (const s of subnets("public")) expect(s.tags["kubernetes.io/role/elb"]).toBe("1");
    for (const s of subnets("private")) expect(s.tags["kubernetes.io/role/internal-elb"]).toBe("1");
    for (const s of [...subnets("public"), ...subnets("private")])
      expect(s.tags["kubernetes.io/cluster/ferrum-prod"]).toBe("shared");
    // The default security group is emptied.
    const dsg = one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs;
    expect([dsg.ingress, dsg.egress]).toEqual([undefined, undefined]);
  });

  test("routes: public through the internet gateway, each private subnet through its own zone's NAT, isolated nowhere", () => {
    const routes = ofType("aws:ec2/route:Route");
    const igw = one("aws:ec2/internetGateway:InternetGateway");
    expect(routeOf("ferrum-prod-vpc-public").map((r) => r.inputs)).toEqual([
      expect.objectContaining({ destinationCidrBlock: "0.0.0.0/0", gatewayId: `${igw.name}-id` }),
    ]);
    const nats = ofType("aws:ec2/natGateway:NatGateway");
    expect(nats).toHaveLength(3);
    const publicIds = ofType("aws:ec2/subnet:Subnet")
      .filter((s) => s.name.includes("-public-"))
      .map((s) => stateOf(s).id);
    expect(nats.map((n) => n.inputs.subnetId)).toEqual(publicIds);
    expect(nats.map((n) => n.options.dependsOn)).toEqual(Array(3).fill([igw.urn]));
    // Each zone's private table routes through the NAT gateway of its zone (ids are those of the names the
    // resources had before zones had keys: an aliased resource keeps its state).
    for (const [i, zone] of ["a", "b", "c"].entries()) {
      expect(nats[i].name).toBe(`ferrum-prod-vpc-nat-${zone}`);
      expect(routeOf(`ferrum-prod-vpc-private-${zone}`).map((r) => r.inputs.natGatewayId)).toEqual([
        `ferrum-prod-vpc-nat-${i}-id`,
      ]);
    }
    // Four routes in all: nothing routes the isolated table anywhere.
    expect(routes).toHaveLength(4);
    const isolatedTable = one("aws:ec2/routeTable:RouteTable", "ferrum-prod-vpc-isolated");
    expect(routes.filter((r) => r.inputs.routeTableId === `${isolatedTable.name}-id`)).toEqual([]);
    const isolatedAssociations = ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").filter((a) =>
      a.name.includes("-isolated-"),
    );
    expect(isolatedAssociations.map((a) => a.inputs.routeTableId)).toEqual(
      Array(3).fill(`${isolatedTable.name}-id`),
    );
  });

  test("zone children are named by zone key (a, b, c), each aliased to its former name by position, Name tags unchanged", () => {
    const zoned = entries.filter(
      (e) => e.name.startsWith("ferrum-prod-vpc-") && /-[abc](-default)?$/.test(e.name),
    );
    // Per zone: three subnets and their associations, the private route table and route, the EIP and the NAT.
    expect(zoned).toHaveLength(3 * 10);
    for (const e of zoned) {
      const former = e.name.replace(
        /-([abc])(-default)?$/,
        (_: string, z: string, d?: string) => `-${"abc".indexOf(z)}${d ?? ""}`,
      );
      expect([e.name, e.options.aliases]).toEqual([
        e.name,
        [
          {
            spec: expect.objectContaining({
              name: former,
              type: "",
              parenturn: one("ferrum:aws:Network").urn,
            }),
          },
        ],
      ]);
    }
    const subnet = one("aws:ec2/subnet:Subnet", "ferrum-prod-vpc-private-b");
    expect(subnet.inputs).toMatchObject({
      cidrBlock: "10.40.32.0/19",
      availabilityZone: "eu-central-1b",
      tags: expect.objectContaining({ Name: "ferrum-prod-vpc-private-1" }),
    });
  });

  test("ferrum:aws.natGateways single: one NAT gateway every private subnet routes through", async () => {
    const single = await network({ natGateways: "single" });
    expect(single.ofType("aws:ec2/natGateway:NatGateway").map((n) => n.name)).toEqual([
      "ferrum-prod-vpc-nat-a",
    ]);
    const privateRoutes = single.ofType("aws:ec2/route:Route").filter((r) => r.name.includes("-private-"));
    // Zone a's gateway, which kept the id of its name before zones had keys (`-nat-0`).
    expect(privateRoutes.map((r) => (r.inputs as any).natGatewayId)).toEqual(
      Array(3).fill("ferrum-prod-vpc-nat-0-id"),
    );
    // The default layout, for contrast: one per zone.
    expect((await network({})).ofType("aws:ec2/natGateway:NatGateway")).toHaveLength(3);
  });

  test("EKS: access entries only (no implicit admin for the creator), Secrets encrypted with its own protected KMS key, private endpoint, logs, deletion protection", () => {
    const c = one("aws:eks/cluster:Cluster");
    expect(c.inputs).toMatchObject({
      name: "ferrum-prod",
      version: "1.36",
      // No extended support at 6x the cluster-hour price: EKS upgrades the control plane at the end of
      // standard support instead (the version guardrail warns 60 days before).
      upgradePolicy: { supportType: "STANDARD" },
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      vpcConfig: { endpointPrivateAccess: true },
      enabledClusterLogTypes: ["api", "audit", "authenticator"],
      bootstrapSelfManagedAddons: false,
      deletionProtection: true,
    });
    // The control plane's network interfaces go into the private subnets.
    expect(c.inputs.vpcConfig.subnetIds).toEqual(
      ofType("aws:ec2/subnet:Subnet")
        .filter((s) => s.name.includes("-private-"))
        .map((s) => stateOf(s).id),
    );
    const key = one("aws:kms/key:Key", "ferrum-prod-secrets");
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
    expect(key.options.protect).toBe(true);
    expect(c.inputs.encryptionConfig).toEqual({
      resources: ["secrets"],
      provider: { keyArn: stateOf(key).arn },
    });
    expect(c.options.protect).toBe(true);
    const logs = one("aws:cloudwatch/logGroup:LogGroup", "ferrum-prod-control-plane");
    expect(logs.inputs).toMatchObject({ name: "/aws/eks/ferrum-prod/cluster", retentionInDays: 90 });
    const clusterPolicy = one(
      "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
      "ferrum-prod-cluster-role-policy-AmazonEKSClusterPolicy",
    );
    expect(clusterPolicy.inputs.policyArn).toBe("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy");
    expect(c.options.dependsOn).toEqual([logs.urn, clusterPolicy.urn]);
  });

  test("IRSA: an OIDC provider for the cluster's issuer, audience sts.amazonaws.com", () => {
    const oidc = one("aws:iam/openIdConnectProvider:OpenIdConnectProvider").inputs;
    expect(oidc.url).toBe(stateOf(one("aws:eks/cluster:Cluster")).identities[0].oidcs[0].issuer);
    expect(oidc.clientIdLists).toEqual(["sts.amazonaws.com"]);
  });

  test("managed add-ons: VPC CNI enforcing network policies, kube-proxy, CoreDNS once nodes exist, EBS CSI", () => {
    const addons = Object.fromEntries(ofType("aws:eks/addon:Addon").map((a) => [a.inputs.addonName, a]));
    expect(Object.keys(addons).sort()).toEqual(["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]);
    expect(JSON.parse(addons["vpc-cni"].inputs.configurationValues)).toEqual({ enableNetworkPolicy: "true" });
    // Each add-on is EKS's default build for the cluster's minor (the offline fixture names which one).
    for (const a of Object.values(addons) as any[])
      expect(a.inputs.addonVersion).toBe("eks-default-for-1.36");
    const groups = ofType("aws:eks/nodeGroup:NodeGroup");
    expect([...addons.coredns.options.dependsOn].sort()).toEqual(groups.map((g) => g.urn).sort());
    const nodePolicies = ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) =>
      a.name.startsWith("ferrum-prod-node-role-policy-"),
    );
    expect(nodePolicies.map((a) => a.inputs.policyArn)).toEqual([
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ]);
    for (const nodes of groups)
      expect([...nodes.options.dependsOn].sort()).toEqual(
        [addons["vpc-cni"].urn, addons["kube-proxy"].urn, ...nodePolicies.map((a) => a.urn)].sort(),
      );
  });

  test("nodes: one managed group per zone (a volume's zone can always grow), the totals split over them, on the cluster's minor, encrypted gp3 root volumes, IMDSv2 out of pods' reach", () => {
    const groups = ofType("aws:eks/nodeGroup:NodeGroup").sort((a, b) => a.name.localeCompare(b.name));
    expect(groups.map((g) => g.name)).toEqual([
      "ferrum-prod-nodes-a",
      "ferrum-prod-nodes-b",
      "ferrum-prod-nodes-c",
    ]);
    // nodeMinSize 2, nodeMaxSize 6, nodeDesiredSize 3 over three zones, rounded up: no zone at zero.
    for (const nodes of groups) {
      expect(nodes.inputs).toMatchObject({
        // The nodes follow the control plane's minor, on the Amazon Linux 2023 AMI type.
        version: "1.36",
        amiType: "AL2023_x86_64_STANDARD",
        capacityType: "ON_DEMAND",
        instanceTypes: ["m7i.large"],
        scalingConfig: { minSize: 1, maxSize: 2, desiredSize: 1 },
        updateConfig: { maxUnavailable: 1 },
      });
      expect(nodes.options.ignoreChanges).toEqual(["scalingConfig.desiredSize"]);
    }
    // Each group keeps the URN of its name by position (`-nodes-0`); the one group of earlier versions carries
    // on as zone a's: its URN is aliased too, not dropped.
    const aliasTo = (name: string) => ({
      spec: expect.objectContaining({ name, type: "", parenturn: one("ferrum:aws:EksCluster").urn }),
    });
    expect(groups.map((g) => g.options.aliases)).toEqual([
      [aliasTo("ferrum-prod-nodes-0"), aliasTo("ferrum-prod-nodes")],
      [aliasTo("ferrum-prod-nodes-1")],
      [aliasTo("ferrum-prod-nodes-2")],
    ]);
    expect(groups.map((g) => g.inputs.subnetIds)).toEqual(
      one("aws:eks/cluster:Cluster").inputs.vpcConfig.subnetIds.map((id: string) => [id]),
    );
    const lt = one("aws:ec2/launchTemplate:LaunchTemplate");
    for (const nodes of groups)
      expect(nodes.inputs.launchTemplate).toEqual({ id: stateOf(lt).id, version: "1" });
    expect(lt.inputs.blockDeviceMappings).toEqual([
      {
        deviceName: "/dev/xvda",
        ebs: { volumeSize: 50, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" },
      },
    ]);
    expect(lt.inputs.metadataOptions).toEqual({
      httpEndpoint: "enabled",
      httpTokens: "required",
      httpPutResponseHopLimit: 1,
    });
    const trust = JSON.parse(one("aws:iam/role:Role", "ferrum-prod-node-role").inputs.assumeRolePolicy);
    expect(trust.Statement[0].Principal).toEqual({ Service: "ec2.amazonaws.com" });
  });

  test("the Kubernetes provider's kubeconfig: the cluster's endpoint and CA, a token from `aws eks get-token`, no credential", () => {
    const provider = one("pulumi:providers:kubernetes");
    const cluster = stateOf(one("aws:eks/cluster:Cluster"));
    const kubeconfig = JSON.parse(provider.inputs.kubeconfig);
    expect(kubeconfig.clusters).toEqual([
      {
        name: "ferrum-prod",
        cluster: {
          server: cluster.endpoint,
          "certificate-authority-data": cluster.certificateAuthority.data,
        },
      },
    ]);
    expect(kubeconfig.users[0].user.exec).toMatchObject({
      command: "aws",
      args: [
        "eks",
        "get-token",
        "--cluster-name",
        "ferrum-prod",
        "--region",
        "eu-central-1",
        "--output",
        "json",
      ],
    });
    // Nothing but the exec: no token, client certificate, key or password.
    expect(kubeconfig.users.map((u: any) => Object.keys(u.user))).toEqual([["exec"]]);
  });

  test("access: the deployer and each admin get their own entry and cluster-admin association, keyed by principal; the provider waits for the deployer's", async () => {
    const deployer = "arn:aws:iam::123456789012:role/ferrum-deploy";
    const arns = ["arn:aws:iam::123456789012:role/platform-admin", deployer];
    const c = await eksCluster({ adminPrincipalArns: arns });
    const entries = c.ofType("aws:eks/accessEntry:AccessEntry");
    // The deployer first (from aws.deployerRoleArn), listed once although adminPrincipalArns repeats it.
    expect(entries.map((e) => (e.inputs as any).principalArn)).toEqual([deployer, arns[0]]);
    expect(entries.map((e) => e.name)).toEqual([
      `ferrum-prod-access-${principalKey(deployer)}`,
      `ferrum-prod-access-${principalKey(arns[0])}`,
    ]);
    expect(principalKey(deployer)).toMatch(/^ferrum-deploy-[0-9a-f]{6}$/);
    for (const e of entries) expect((e.inputs as any).type).toBe("STANDARD");
    const associations = c.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation");
    expect(associations.map((a) => a.inputs)).toEqual(
      [deployer, arns[0]].map((principalArn) =>
        expect.objectContaining({
          principalArn,
          policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
          accessScope: { type: "cluster" },
        }),
      ),
    );
    expect(associations.map((a) => a.options.dependsOn)).toEqual(entries.map((e) => [e.urn]));
    // Removing the first admin renames nothing else: names come from the principal, never the position.
    const fewer = await eksCluster({ adminPrincipalArns: [] });
    expect(fewer.ofType("aws:eks/accessEntry:AccessEntry").map((e) => e.name)).toEqual([entries[0].name]);
    // Every Kubernetes resource uses this provider: it waits for the deployer's association.
    expect(c.get("pulumi:providers:kubernetes", "ferrum-prod-k8s").options.dependsOn).toEqual([
      associations[0].urn,
    ]);
    // The prod stack file: the deploying role alone.
    expect(ofType("aws:eks/accessEntry:AccessEntry").map((e) => e.inputs.principalArn)).toEqual([deployer]);
  });

  test("a runner in a peered VPC: private endpoint only, 443 from its CIDRs, the VPCs peered with a route each way; the provider waits for all of it", async () => {
    const c = await eksCluster(
      {},
      {
        runner: "privateNetwork",
        cidrs: ["10.60.0.0/24"],
        aws: { vpcId: "vpc-0runner", routeTableIds: ["rtb-0runner"] },
        afterBootstrap: false,
      },
    );
    expect((c.get("aws:eks/cluster:Cluster", "ferrum-prod").inputs as any).vpcConfig).toMatchObject({
      endpointPrivateAccess: true,
      endpointPublicAccess: false,
    });
    const rule = c.get(
      "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
      "ferrum-prod-api-from-10-60-0-0-24",
    );
    expect(rule.inputs).toMatchObject({
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "10.60.0.0/24",
    });
    const peering = c.get("aws:ec2/vpcPeeringConnection:VpcPeeringConnection", "ferrum-prod-runner-peering");
    expect(peering.inputs).toMatchObject({ vpcId: "vpc-1", peerVpcId: "vpc-0runner", autoAccept: true });
    const routes = c.ofType("aws:ec2/route:Route").map((r) => r.inputs as any);
    expect(routes).toEqual(
      expect.arrayContaining([
        ...["rtb-1", "rtb-2", "rtb-3"].map((routeTableId) =>
          expect.objectContaining({ routeTableId, destinationCidrBlock: "10.60.0.0/24" }),
        ),
        expect.objectContaining({ routeTableId: "rtb-0runner", destinationCidrBlock: "10.40.0.0/16" }),
      ]),
    );
    expect(routes).toHaveLength(4);
    // Named by zone key, each aliased to its name by the zone's position before zones had keys.
    for (const [i, zone] of ["a", "b", "c"].entries()) {
      const route = c.get("aws:ec2/route:Route", `ferrum-prod-private-${zone}-to-runner-10-60-0-0-24`);
      expect(route.inputs).toMatchObject({ routeTableId: `rtb-${i + 1}` });
      expect(route.options.aliases).toEqual([
        { spec: expect.objectContaining({ name: `ferrum-prod-private-${i}-to-runner-10-60-0-0-24` }) },
      ]);
    }
    const provider = c.get("pulumi:providers:kubernetes", "ferrum-prod-k8s");
    expect(provider.options.dependsOn).toEqual(
      expect.arrayContaining([rule.urn, peering.urn, ...c.ofType("aws:ec2/route:Route").map((r) => r.urn)]),
    );
  });

  test("a runner with static egress: the public endpoint open to exactly its CIDRs and people's, no private rule", () => {
    expect(
      eksApiAccess({ runner: "staticEgress", cidrs: ["203.0.113.16/28"], afterBootstrap: false }, [
        "198.51.100.0/24",
      ]),
    ).toEqual({
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.16/28", "198.51.100.0/24"],
      privateCidrs: [],
    });
    expect(one("aws:eks/cluster:Cluster").inputs.vpcConfig).toMatchObject({
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["203.0.113.16/28"],
    });
    expect(
      ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) =>
        r.name.includes("-api-from-"),
      ),
    ).toEqual([]);
  });

  test("add-ons: EBS CSI driver with IRSA, a default encrypted gp3 StorageClass, metrics-server, Cluster Autoscaler with IRSA", () => {
    const ebs = ofType("aws:eks/addon:Addon").find((a) => a.inputs.addonName === "aws-ebs-csi-driver").inputs;
    expect(ebs.addonName).toBe("aws-ebs-csi-driver");
    expect(ebs.serviceAccountRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    const sc = one("kubernetes:storage.k8s.io/v1:StorageClass").inputs;
    expect(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"]).toBe("true");
    expect(sc).toMatchObject({
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
    });
    const releases = Object.fromEntries(
      ofType("kubernetes:helm.sh/v3:Release").map((r) => [r.inputs.chart, r.inputs]),
    );
    expect(Object.keys(releases).sort()).toEqual([
      "cert-manager",
      "cluster-autoscaler",
      "metrics-server",
      "traefik",
    ]);
    for (const r of Object.values(releases) as any[]) expect(r.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    // The chart carries 1.36's RBAC; its image is the autoscaler of the cluster's minor.
    expect(releases["cluster-autoscaler"].version).toBe("9.59.0");
    expect(releases["cluster-autoscaler"].values.image).toEqual({ tag: "v1.36.1" });
    expect(releases["metrics-server"].version).toBe("3.13.1");
    expect(
      releases["cluster-autoscaler"].values.rbac.serviceAccount.annotations["eks.amazonaws.com/role-arn"],
    ).toMatch(/role\/ferrum-prod-cluster-autoscaler/);
    const caTrust = JSON.parse(
      one("aws:iam/role:Role", "ferrum-prod-cluster-autoscaler").inputs.assumeRolePolicy,
    );
    expect(Object.values(caTrust.Statement[0].Condition.StringEquals)).toContain(
      "system:serviceaccount:kube-system:cluster-autoscaler",
    );
  });

  test("ferrum:aws.kubernetesVersion 1.35: the control plane, the nodes and every add-on move together", async () => {
    const older = await eksCluster({ kubernetesVersion: "1.35" });
    expect((older.get("aws:eks/cluster:Cluster", "ferrum-prod").inputs as any).version).toBe("1.35");
    expect(older.ofType("aws:eks/nodeGroup:NodeGroup").map((g) => (g.inputs as any).version)).toEqual([
      "1.35",
      "1.35",
      "1.35",
    ]);
    const addons = older.ofType("aws:eks/addon:Addon").map((a) => a.inputs as any);
    expect(Object.fromEntries(addons.map((a) => [a.addonName, a.addonVersion]))).toEqual({
      "vpc-cni": "eks-default-for-1.35",
      "kube-proxy": "eks-default-for-1.35",
      coredns: "eks-default-for-1.35",
    });
  });

  test("ferrum:aws.publicAccessCidrs opens the public endpoint to those CIDRs only; 0.0.0.0/0 is refused", async () => {
    const open = await eksCluster({ publicAccessCidrs: ["198.51.100.0/24"] });
    expect((open.get("aws:eks/cluster:Cluster", "ferrum-prod").inputs as any).vpcConfig).toMatchObject({
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      publicAccessCidrs: ["198.51.100.0/24"],
    });
    await expect(runPlan("prod", ['ferrum:aws.publicAccessCidrs=["0.0.0.0/0"]'])).rejects.toThrow(
      'ferrum:aws.publicAccessCidrs must not open the cluster API to the whole internet (got "0.0.0.0/0")',
    );
  });
});

describe("prod (AWS): data tier", () => {
  test("RDS PostgreSQL 16: Multi-AZ, encrypted, deletion-protected, private, backed up, protected", () => {
    const db = one("aws:rds/instance:Instance");
    expect(db.inputs).toMatchObject({
      engine: "postgres",
      multiAz: true,
      storageEncrypted: true,
      deletionProtection: true,
      publiclyAccessible: false,
      skipFinalSnapshot: false,
      performanceInsightsEnabled: true,
      username: "ferrum_admin",
    });
    // The major only: RDS applies minors itself, and the instance ignores the version after creation, so
    // an automatic minor upgrade never turns a later up into a downgrade.
    expect(db.inputs.engineVersion).toBe("16");
    expect(db.inputs.autoMinorVersionUpgrade).toBe(true);
    expect(db.inputs.engineLifecycleSupport).toBe("open-source-rds-extended-support");
    expect(db.options.ignoreChanges).toEqual(["engineVersion"]);
    expect(db.inputs.backupRetentionPeriod).toBeGreaterThanOrEqual(7);
    expect(db.inputs.finalSnapshotIdentifier).toBeTruthy();
    expect(db.options.protect).toBe(true);
    const params = one("aws:rds/parameterGroup:ParameterGroup").inputs;
    expect(params.family).toBe("postgres16");
    expect(params.parameters).toContainEqual({ name: "rds.force_ssl", value: "1" });
  });

  test("the database admits 5432 from the cluster security group only, by a rule of its own (the group needs no cluster)", () => {
    const sg = one("aws:ec2/securityGroup:SecurityGroup", "postgres-sg");
    expect(sg.inputs.ingress).toBeUndefined();
    expect(sg.inputs.egress).toEqual([]);
    const clusterSg = (plan.resources.find((r) => r.type === "aws:eks/cluster:Cluster")!.state as any)
      .vpcConfig.clusterSecurityGroupId;
    const rules = ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
      (r) => r.name === "postgres-sg-from-cluster",
    );
    expect(rules.map((r) => r.inputs)).toEqual([
      expect.objectContaining({
        ipProtocol: "tcp",
        fromPort: 5432,
        toPort: 5432,
        referencedSecurityGroupId: clusterSg,
        securityGroupId: stateOf(sg).id,
      }),
    ]);
    expect(rules[0].inputs.cidrIpv4).toBeUndefined();
  });

  test("four S3 buckets: public access blocked, KMS-encrypted, versioned, old versions expired, protected", () => {
    const buckets = ofType("aws:s3/bucket:Bucket");
    expect(buckets.map((b) => b.inputs.bucket).sort()).toEqual(
      SERVICES.map((s) => `ferrum-prod-${s}`).sort(),
    );
    for (const b of buckets) expect(b.options.protect).toBe(true);
    for (const pab of ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")) {
      expect(pab.inputs).toMatchObject({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    }
    expect(ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")).toHaveLength(4);
    for (const e of ofType(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )) {
      expect(e.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).toBe("aws:kms");
    }
    for (const v of ofType("aws:s3/bucketVersioning:BucketVersioning"))
      expect(v.inputs.versioningConfiguration.status).toBe("Enabled");
    for (const l of ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")) {
      expect(l.inputs.rules[0].noncurrentVersionExpiration.noncurrentDays).toBe(90);
    }
  });

  test("four IAM roles trusted by IRSA, each by its own ServiceAccount, each allowed its own bucket only; no access keys", () => {
    for (const s of SERVICES) {
      const role = one("aws:iam/role:Role", `object-store-${s}-role`);
      const trust = JSON.parse(role.inputs.assumeRolePolicy);
      expect(trust.Statement).toHaveLength(1);
      expect(trust.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(Object.values(trust.Statement[0].Condition.StringEquals).sort()).toEqual(
        [`system:serviceaccount:ferrum:${s}`, "sts.amazonaws.com"].sort(),
      );
      const policy = JSON.parse(
        one("aws:iam/rolePolicy:RolePolicy", `object-store-${s}-role-policy`).inputs.policy,
      );
      const resources = policy.Statement.flatMap((st: any) => st.Resource);
      const key = stateOf(one("aws:kms/key:Key", `object-store-${s}-key`)).arn;
      expect(resources.sort()).toEqual(
        [`arn:aws:s3:::ferrum-prod-${s}`, `arn:aws:s3:::ferrum-prod-${s}/*`, key].sort(),
      );
      // Of its bucket's key only what reading and writing objects takes.
      expect(policy.Statement.find((st: any) => st.Resource.includes(key)).Action).toEqual([
        "kms:Decrypt",
        "kms:GenerateDataKey",
      ]);
    }
    expect(ofType("aws:iam/accessKey:AccessKey")).toEqual([]);
  });

  test("each bucket is encrypted with a KMS key of its own: rotated, protected, 30 days' deletion window", () => {
    for (const s of SERVICES) {
      const key = one("aws:kms/key:Key", `object-store-${s}-key`);
      expect(key.inputs).toMatchObject({ enableKeyRotation: true, deletionWindowInDays: 30 });
      expect(key.options.protect).toBe(true);
      const sse = one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        `object-store-${s}-encryption`,
      );
      expect(sse.inputs.rules[0]).toEqual({
        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateOf(key).arn },
        bucketKeyEnabled: true,
      });
    }
  });

  test("public/ through CloudFront: Origin Access Control, HTTPS only, GET and HEAD, cached as written", () => {
    for (const s of SERVICES) {
      const bucket = stateOf(one("aws:s3/bucket:Bucket", `object-store-${s}`));
      const oac = one("aws:cloudfront/originAccessControl:OriginAccessControl", `object-store-${s}-cdn-oac`);
      expect(oac.inputs).toMatchObject({
        name: `ferrum-prod-${s}`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      });
      const d = one("aws:cloudfront/distribution:Distribution", `object-store-${s}-cdn`);
      expect(d.inputs.origins).toEqual([
        {
          originId: "bucket",
          domainName: bucket.bucketRegionalDomainName,
          originAccessControlId: stateOf(oac).id,
        },
      ]);
      expect(d.inputs.defaultCacheBehavior).toEqual({
        targetOriginId: "bucket",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
        compress: true,
      });
      expect(d.inputs.viewerCertificate).toEqual({ cloudfrontDefaultCertificate: true });
    }
  });

  test("the buckets stay private: each policy denies plain HTTP and lets only its distribution read public/", () => {
    for (const s of SERVICES) {
      const distribution = stateOf(
        one("aws:cloudfront/distribution:Distribution", `object-store-${s}-cdn`),
      ).arn;
      const policy = JSON.parse(
        one("aws:s3/bucketPolicy:BucketPolicy", `object-store-${s}-tls-only`).inputs.policy,
      );
      expect(policy.Statement.map((st: any) => st.Sid)).toEqual([
        "DenyInsecureTransport",
        "CdnReadsPublicPrefix",
      ]);
      expect(policy.Statement[1]).toEqual({
        Sid: "CdnReadsPublicPrefix",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::ferrum-prod-${s}/public/*`,
        Condition: { StringEquals: { "AWS:SourceArn": distribution } },
      });
      // Public access stays blocked: CloudFront's principal is not "public" to S3.
      expect(
        one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", `object-store-${s}-public-access-block`)
          .inputs.restrictPublicBuckets,
      ).toBe(true);
      const keyPolicy = JSON.parse(
        one("aws:kms/keyPolicy:KeyPolicy", `object-store-${s}-key-policy`).inputs.policy,
      );
      expect(keyPolicy.Statement[1]).toMatchObject({
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "kms:Decrypt",
        Condition: { StringEquals: { "AWS:SourceArn": distribution } },
      });
      expect(keyPolicy.Statement[0].Principal).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
    }
  });
});

describe("prod (AWS): the workloads keep the dev contract", () => {
  const objects = () => manifests(plan, true) as any[];
  const envOf = (s: string) => webEnv(objects(), s);

  test("every DATABASE_URL points at RDS with sslmode=require", () => {
    for (const s of SERVICES) {
      expect(envOf(s).secret.DATABASE_URL).toMatch(
        new RegExp(
          `^postgres://ferrum_${s}_a:[A-Za-z0-9]{32}@ferrum-prod\\.c[0-9a-f]+\\.eu-central-1\\.rds\\.amazonaws\\.com:5432/ferrum_${s}\\?sslmode=require&options=-c%20role%3Dferrum_${s}$`,
        ),
      );
    }
  });

  test("S3 through IRSA: the ServiceAccount carries the role, the Secret no static key, the endpoint is empty; browsers get S3's regional endpoint and CloudFront", () => {
    for (const s of SERVICES) {
      const e = envOf(s);
      expect(e.sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(
        new RegExp(`role/object-store-${s}-role`),
      );
      expect(e.secret.AWS_ACCESS_KEY_ID).toBeUndefined();
      expect(e.secret.AWS_SECRET_ACCESS_KEY).toBeUndefined();
      expect(e.config).toMatchObject({
        AWS_STORAGE_BUCKET_NAME: `ferrum-prod-${s}`,
        AWS_S3_ENDPOINT_URL: "",
        AWS_S3_REGION_NAME: "eu-central-1",
        AWS_S3_PUBLIC_ENDPOINT_URL: "https://s3.eu-central-1.amazonaws.com",
        AWS_S3_ADDRESSING_STYLE: "virtual",
        AWS_S3_PUBLIC_PREFIX: "public/",
        AWS_S3_PUBLIC_BASE_URL: `https://${
          stateOf(one("aws:cloudfront/distribution:Distribution", `object-store-${s}-cdn`)).domainName
        }`,
      });
      expect(e.config.AWS_S3_PUBLIC_BASE_URL).toMatch(/^https:\/\/d[0-9a-f]+\.cloudfront\.net$/);
    }
  });

  test("the same Deployments, HPAs, beats and env keys as dev (minus the static S3 keys)", async () => {
    const dev = manifests(await sharedPlan("dev"), true) as any[];
    const prod = objects();
    const shape = (o: any[]) =>
      kindNames(
        o,
        ["Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "IngressRoute", "NetworkPolicy"],
        ["cache", "sentinel"],
      );
    // The in-cluster object store's public route and its NetworkPolicy: S3 and CloudFront stand in for them.
    const objectStoreRoute = ["IngressRoute/object-store", "NetworkPolicy/allow-ingress-to-object-store"];
    expect(shape(prod)).toEqual(shape(dev).filter((n) => !objectStoreRoute.includes(n)));
    expect(shape(dev)).toEqual(expect.arrayContaining(objectStoreRoute));
    const devSecretKeys = (s: string) =>
      Object.keys(webEnv(dev, s).secret)
        .filter((k) => !k.startsWith("AWS_"))
        .sort();
    for (const s of SERVICES) {
      expect(
        Object.keys(envOf(s).secret)
          .filter((k) => !k.startsWith("AWS_"))
          .sort(),
      ).toEqual(expect.arrayContaining(devSecretKeys(s)));
    }
  });

  test("Traefik is the only LoadBalancer, on an NLB; four ECR repositories scan on push", () => {
    const traefik = ofType("kubernetes:helm.sh/v3:Release").find((r) => r.inputs.chart === "traefik").inputs;
    expect(traefik.values.service.type).toBe("LoadBalancer");
    expect(traefik.values.service.annotations["service.beta.kubernetes.io/aws-load-balancer-type"]).toBe(
      "nlb",
    );
    expect(objects().filter((o) => o.kind === "Service" && o.spec.type === "LoadBalancer")).toEqual([]);
    const repos = ofType("aws:ecr/repository:Repository");
    expect(repos).toHaveLength(4);
    for (const r of repos)
      expect(r.inputs).toMatchObject({
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: "IMMUTABLE",
      });
  });

  test("a service with a build context runs the digest @pulumi/docker pushed to its ECR repository; the others still come through the cache", async () => {
    const built = await runPlan("prod", [
      "ferrum:services.catalog.buildContext=../catalog-service",
      "ferrum:services.catalog.digest=",
    ]);
    const image = built.resources.find((r) => r.type === "docker:index/image:Image")!;
    expect((image.inputs as any).build).toEqual({ context: "../catalog-service", platform: "linux/amd64" });
    const web = (manifests(built) as any[]).find(
      (x) => x.kind === "Deployment" && x.metadata.name === "catalog-web",
    );
    expect(web.spec.template.spec.containers[0].image).toMatch(
      /^123456789012\.dkr\.ecr\.eu-central-1\.amazonaws\.com\/ferrum\/catalog-service@sha256:[0-9a-f]{64}$/,
    );
    // A built image needs no warm-up: its digest is in the registry before the Deployment exists.
    expect(built.resources.filter((r) => r.name === "catalog-image-cache")).toEqual([]);
    expect(webEnv(manifests(built, true) as any[], "auth").image).toBe(
      `${CACHE}/auth-service:1.0.0@${PROD_DIGESTS.auth}`,
    );
  });
});

/** The ECR pull-through cache of ghcr.io/ferrum in the prod stack's account and region. */
const CACHE = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/ghcr/ferrum";
/** The example digests of Pulumi.prod.yaml. */
const PROD_DIGESTS: Record<string, string> = {
  auth: `sha256:${"1".repeat(64)}`,
  user: `sha256:${"2".repeat(64)}`,
  content: `sha256:${"3".repeat(64)}`,
  catalog: `sha256:${"4".repeat(64)}`,
};

describe("prod (AWS): service images by digest through the ECR pull-through cache of ghcr.io", () => {
  const objects = () => manifests(plan, true) as any[];
  const resource = (type: string, name: string) =>
    plan.resources.find((r) => r.type === type && r.name === name)!;

  test("every container of every service runs <account>.dkr.ecr.<region>.amazonaws.com/ghcr/ferrum/<repo>:<tag>@<digest>", () => {
    const deployments = objects().filter(
      (x) => x.kind === "Deployment" && SERVICES.includes(x.metadata.labels["app.kubernetes.io/name"]),
    );
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(
      ["auth-beat", "auth-web", "catalog-beat", "catalog-web", "content-web", "user-web"].sort(),
    );
    for (const d of deployments) {
      const s = d.metadata.labels["app.kubernetes.io/name"];
      const spec = d.spec.template.spec;
      for (const c of [...(spec.initContainers ?? []), ...spec.containers])
        expect(c.image).toBe(`${CACHE}/${s}-service:1.0.0@${PROD_DIGESTS[s]}`);
      // The nodes pull from the account's own registry with their role: no pull secret.
      expect(spec.imagePullSecrets).toBeUndefined();
    }
  });

  test("the cache rule for ghcr.io logs in with a Secrets Manager secret named ecr-pullthroughcache/..., holding username and accessToken, secret", () => {
    const secret = one("aws:secretsmanager/secret:Secret", "ecr-ghcr-login");
    expect(secret.inputs).toMatchObject({
      name: "ecr-pullthroughcache/ferrum-prod/ghcr",
      recoveryWindowInDays: 0,
    });
    // Secrets Manager's AWS managed key: ECR's service-linked role cannot decrypt with a key of ours.
    expect(secret.inputs.kmsKeyId).toBeUndefined();
    const version = resource("aws:secretsmanager/secretVersion:SecretVersion", "ecr-ghcr-login");
    const value = (version.inputs as any).secretString;
    expect(isSecretEnvelope(value)).toBe(true);
    expect(JSON.parse(value.value)).toEqual({
      username: "ferrum-ci",
      accessToken: "plan-placeholder-ferrum-imageRegistryPassword",
    });
    expect((version.inputs as any).secretId).toBe(stateOf(secret).arn);
    const rule = one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "ecr-ghcr");
    expect(rule.inputs).toEqual({
      ecrRepositoryPrefix: "ghcr",
      upstreamRegistryUrl: "ghcr.io",
      credentialArn: stateOf(secret).arn,
    });
    expect(stateOf(secret).arn).toMatch(
      /^arn:aws:secretsmanager:eu-central-1:123456789012:secret:ecr-pullthroughcache\/ferrum-prod\/ghcr-[0-9a-f]{6}$/,
    );
    expect(rule.options.dependsOn).toEqual([version.urn]);
  });

  test("the node role may fill the cache: ecr:BatchImportUpstreamImage and ecr:CreateRepository, on ghcr/ repositories only", () => {
    const policy = one("aws:iam/rolePolicy:RolePolicy", "ferrum-prod-node-image-cache");
    expect(policy.inputDependencies.role).toEqual([one("aws:iam/role:Role", "ferrum-prod-node-role").urn]);
    expect(JSON.parse(policy.inputs.policy)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "FillPullThroughCache",
          Effect: "Allow",
          Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
          Resource: "arn:aws:ecr:eu-central-1:123456789012:repository/ghcr/*",
        },
      ],
    });
  });

  test("a Job pulls each service's image by tag, after the cache rule and the node policy; the service's pods wait for it", () => {
    const rule = one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule", "ecr-ghcr");
    const policy = one("aws:iam/rolePolicy:RolePolicy", "ferrum-prod-node-image-cache");
    for (const s of SERVICES) {
      const job = one("kubernetes:batch/v1:Job", `${s}-image-cache`);
      const pod = job.inputs.spec.template.spec;
      expect(pod.containers).toEqual([
        expect.objectContaining({
          name: "pull",
          image: `${CACHE}/${s}-service:1.0.0`,
          imagePullPolicy: "Always",
          command: ["python", "-c", "pass"],
        }),
      ]);
      expect(job.options.dependsOn).toEqual(expect.arrayContaining([rule.urn, policy.urn]));
      const service = one("ferrum:index:DjangoService", s);
      expect(service.options.dependsOn).toEqual(expect.arrayContaining([job.urn, rule.urn, policy.urn]));
    }
  });
});

describe("prod (AWS): an existing cluster instead of VPC and EKS", () => {
  // The whole ferrum:aws value replaced (the stack file's VPC and node settings would do nothing here), in a
  // copy of the prod stack file without ferrum:deployer: its runners reach the existing cluster already.
  const root = mkdtempSync(path.join(tmpdir(), "ferrum-existing-"));
  copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
  writeFileSync(
    path.join(root, "Pulumi.prod.yaml"),
    readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8").replace(
      /^ {2}ferrum:deployer:\n( {4}.*\n)+/m,
      "",
    ),
  );
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const existing = [
    `ferrum:aws=${JSON.stringify({
      existingCluster: {
        vpcId: "vpc-0abc123",
        privateSubnetIds: ["subnet-0a1", "subnet-0b2"],
        clusterSecurityGroupId: "sg-0c3",
        oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
        oidcProviderUrl: "oidc.eks.eu-central-1.amazonaws.com/id/ABC",
      },
    })}`,
  ];

  test("creates no VPC or cluster, and takes the kubeconfig as a secret; the image cache without a grant to a node role it does not manage", async () => {
    const p = await runPlan("prod", existing, root);
    // The registry is the one AWS component a stack on an existing cluster still has.
    expect(
      p.resources.filter(
        (r) => /^(aws:ec2|aws:eks|aws:kms|ferrum:aws):/.test(r.type) && r.type !== "ferrum:aws:Registry",
      ),
    ).toEqual([]);
    expect(
      p.resources.filter((r) => r.type === "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"),
    ).toHaveLength(1);
    expect(
      p.resources.filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name.includes("image-cache")),
    ).toEqual([]);
    expect(p.placeholders).toContain("ferrum:clusterKubeconfig");
    const provider = p.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(isSecretEnvelope((provider.inputs as any).kubeconfig)).toBe(true);
  });
});

describe("prod (AWS): required secrets, index.ts under the mock runtime with the stack file's config", () => {
  test("without YooKassa and SMTP secrets the program stops, naming the exact commands, before any resource", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as () => Promise<unknown>;
    const { error, registered } = await refusal(program, {
      stack: "prod",
      config: loadStackConfig("prod").values,
    });
    expect(error?.message).toContain("pulumi config set --secret 'ferrum:emailPassword' <value> -s prod");
    expect(error?.message).toContain("pulumi config set --secret 'ferrum:yookassaSecretKey' <value> -s prod");
    // The token of the ECR cache's login to ghcr.io, which the stack file names.
    expect(error?.message).toContain(
      "ferrum:imageRegistryPassword is required by this stack's settings but not set; set it with: pulumi config set --secret 'ferrum:imageRegistryPassword' <value> -s prod",
    );
    expect(registered).toEqual([]);
  });
});
