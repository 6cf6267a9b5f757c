/**
 * The prod (AWS) stack's offline plan: the security-critical inputs of every AWS resource, and that the
 * Kubernetes workloads keep the dev stack's contract.
 */
import { loadStackConfig, manifests, resourceEntries } from "../../tools/planner";
import { isSecretEnvelope, runPlan, underMocks, PlanResult } from "../helpers/pulumi";

let plan: PlanResult;
let entries: any[];
beforeAll(async () => {
  plan = await runPlan("prod");
  entries = resourceEntries(plan, true) as any[];
});

const SERVICES = ["auth", "user", "content", "catalog"];
const ofType = (type: string) => entries.filter((e) => e.type === type);
const one = (type: string, name?: string) => {
  const found = ofType(type).filter((e) => name === undefined || e.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};

describe("prod (AWS): network and cluster", () => {
  test("a VPC over three AZs with NAT per AZ; public subnets tagged for load balancers only", () => {
    const vpc = one("awsx:ec2:Vpc").inputs;
    expect(vpc.numberOfAvailabilityZones).toBe(3);
    expect(vpc.natGateways).toEqual({ strategy: "OnePerAz" });
    const specs = Object.fromEntries(vpc.subnetSpecs.map((s: any) => [s.type, s]));
    expect(Object.keys(specs).sort()).toEqual(["Isolated", "Private", "Public"]);
    expect(specs.Public.tags["kubernetes.io/role/elb"]).toBe("1");
  });

  test("EKS: access entries, OIDC for IRSA, private endpoint, no public one by default, network policies enforced", () => {
    const c = one("eks:index:Cluster");
    expect(c.inputs).toMatchObject({
      authenticationMode: "API",
      createOidcProvider: true,
      endpointPrivateAccess: true,
      endpointPublicAccess: false,
      skipDefaultNodeGroup: true,
      nodeAssociatePublicIpAddress: false,
      vpcCniOptions: { enableNetworkPolicy: true },
    });
    expect(c.options.protect).toBe(true);
    const mng = one("eks:index:ManagedNodeGroup").inputs;
    expect(mng.scalingConfig).toEqual({ minSize: 2, maxSize: 6, desiredSize: 3 });
  });

  test("add-ons: EBS CSI driver with IRSA, a default encrypted gp3 StorageClass, metrics-server, Cluster Autoscaler with IRSA", () => {
    const ebs = one("aws:eks/addon:Addon").inputs;
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
    expect(Object.keys(releases).sort()).toEqual(["cluster-autoscaler", "metrics-server", "traefik"]);
    for (const r of Object.values(releases) as any[]) expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
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

  test("-c ferrum:aws.publicAccessCidrs opens the public endpoint to those CIDRs only; 0.0.0.0/0 is refused", async () => {
    const open = await runPlan("prod", ['ferrum:aws.publicAccessCidrs=["198.51.100.0/24"]']);
    const c = open.resources.find((r) => r.type === "eks:index:Cluster")!.inputs as any;
    expect([c.endpointPublicAccess, c.publicAccessCidrs]).toEqual([true, ["198.51.100.0/24"]]);
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
    expect(db.inputs.engineVersion).toMatch(/^16\./);
    expect(db.inputs.backupRetentionPeriod).toBeGreaterThanOrEqual(7);
    expect(db.inputs.finalSnapshotIdentifier).toBeTruthy();
    expect(db.options.protect).toBe(true);
    const params = one("aws:rds/parameterGroup:ParameterGroup").inputs;
    expect(params.family).toBe("postgres16");
    expect(params.parameters).toContainEqual({ name: "rds.force_ssl", value: "1" });
  });

  test("the database admits 5432 from the cluster security group only", () => {
    const sg = one("aws:ec2/securityGroup:SecurityGroup", "postgres-sg").inputs;
    const clusterSg = plan.resources.find((r) => r.type === "eks:index:Cluster")!.state
      .clusterSecurityGroupId;
    expect(sg.ingress).toEqual([
      expect.objectContaining({ protocol: "tcp", fromPort: 5432, toPort: 5432, securityGroups: [clusterSg] }),
    ]);
    expect(sg.ingress[0].cidrBlocks).toBeUndefined();
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
      expect(resources.sort()).toEqual(
        [`arn:aws:s3:::ferrum-prod-${s}`, `arn:aws:s3:::ferrum-prod-${s}/*`].sort(),
      );
    }
    expect(ofType("aws:iam/accessKey:AccessKey")).toEqual([]);
  });
});

describe("prod (AWS): the workloads keep the dev contract", () => {
  const objects = () => manifests(plan, true) as any[];
  const envOf = (s: string) => {
    const o = objects();
    const web = o.find((x) => x.kind === "Deployment" && x.metadata.name === `${s}-web`).spec.template.spec
      .containers[0];
    return {
      config: o.find((x) => x.kind === "ConfigMap" && x.metadata.name === web.envFrom[0].configMapRef.name)
        .data,
      secret: o.find((x) => x.kind === "Secret" && x.metadata.name === web.envFrom[1].secretRef.name)
        .stringData,
      sa: o.find((x) => x.kind === "ServiceAccount" && x.metadata.name === s),
      image: web.image,
    };
  };

  test("every DATABASE_URL points at RDS with sslmode=require", () => {
    for (const s of SERVICES) {
      expect(envOf(s).secret.DATABASE_URL).toMatch(
        new RegExp(
          `^postgres://ferrum_${s}:[A-Za-z0-9]{32}@ferrum-prod\\.c[0-9a-f]+\\.eu-central-1\\.rds\\.amazonaws\\.com:5432/ferrum_${s}\\?sslmode=require$`,
        ),
      );
    }
  });

  test("S3 through IRSA: the ServiceAccount carries the role, the Secret no static key, the endpoint is empty", () => {
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
      });
    }
  });

  test("the same Deployments, HPAs, beats and env keys as dev (minus the static S3 keys)", async () => {
    const dev = manifests(await runPlan("dev"), true) as any[];
    const prod = objects();
    const shape = (o: any[]) =>
      o
        .filter((x) =>
          [
            "Deployment",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "IngressRoute",
            "NetworkPolicy",
          ].includes(x.kind),
        )
        .filter(
          (x) =>
            x.metadata.labels["app.kubernetes.io/component"] !== "cache" &&
            x.metadata.labels["app.kubernetes.io/component"] !== "sentinel",
        )
        .map((x) => `${x.kind}/${x.metadata.name}`)
        .sort();
    expect(shape(prod)).toEqual(shape(dev));
    const devSecretKeys = (s: string) => {
      const web = dev.find((x) => x.kind === "Deployment" && x.metadata.name === `${s}-web`).spec.template
        .spec.containers[0];
      return Object.keys(
        dev.find((x) => x.kind === "Secret" && x.metadata.name === web.envFrom[1].secretRef.name).stringData,
      )
        .filter((k) => !k.startsWith("AWS_"))
        .sort();
    };
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

  test("a service with a build context runs the digest @pulumi/docker pushed to its ECR repository", async () => {
    const built = await runPlan("prod", ["ferrum:services.catalog.buildContext=../catalog-service"]);
    const image = built.resources.find((r) => r.type === "docker:index/image:Image")!;
    expect((image.inputs as any).build).toEqual({ context: "../catalog-service", platform: "linux/amd64" });
    const web = (manifests(built) as any[]).find(
      (x) => x.kind === "Deployment" && x.metadata.name === "catalog-web",
    );
    expect(web.spec.template.spec.containers[0].image).toMatch(
      /^123456789012\.dkr\.ecr\.eu-central-1\.amazonaws\.com\/ferrum\/catalog-service@sha256:[0-9a-f]{64}$/,
    );
    expect(envOf("auth").image).toBe("ghcr.io/ferrum/auth-service:1.0.0");
  });
});

describe("prod (AWS): an existing cluster instead of VPC and EKS", () => {
  const existing = [
    "ferrum:aws.existingCluster.vpcId=vpc-0abc123",
    'ferrum:aws.existingCluster.privateSubnetIds=["subnet-0a1","subnet-0b2"]',
    "ferrum:aws.existingCluster.clusterSecurityGroupId=sg-0c3",
    "ferrum:aws.existingCluster.oidcProviderArn=arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/ABC",
    "ferrum:aws.existingCluster.oidcProviderUrl=oidc.eks.eu-central-1.amazonaws.com/id/ABC",
  ];

  test("creates no VPC or cluster, and takes the kubeconfig as a secret", async () => {
    const p = await runPlan("prod", existing);
    expect(p.resources.filter((r) => r.type === "awsx:ec2:Vpc" || r.type === "eks:index:Cluster")).toEqual(
      [],
    );
    expect(p.placeholders).toContain("ferrum:clusterKubeconfig");
    const provider = p.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
    expect(isSecretEnvelope((provider.inputs as any).kubeconfig)).toBe(true);
  });
});

describe("prod (AWS): required secrets under the real engine", () => {
  test("without YooKassa and SMTP secrets the program stops, naming the exact commands, before any resource", async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require("../../index") as () => Promise<unknown>;
    let error: Error | undefined;
    const { registrations } = await underMocks(
      async () => {
        try {
          await program();
        } catch (e) {
          error = e as Error;
        }
      },
      { stack: "prod", config: loadStackConfig("prod").values },
    );
    expect(error?.message).toContain("pulumi config set --secret 'ferrum:emailPassword' <value> -s prod");
    expect(error?.message).toContain("pulumi config set --secret 'ferrum:yookassaSecretKey' <value> -s prod");
    expect(registrations.resources.filter((r) => r.type !== "pulumi:pulumi:Stack")).toEqual([]);
  });
});
