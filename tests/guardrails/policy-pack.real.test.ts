/**
 * The policy pack as `pulumi preview --policy-pack policy` runs it: Pulumi's policy runner
 * (@pulumi/pulumi/cmd/run-policy-pack, which compiles policy/ with ts-node) started in policy/, then asked
 * over gRPC what the engine asks: its policies, a resource's violations, a stack's violations.
 */
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { RULES } from "../../policy/rules";

/* eslint-disable @typescript-eslint/no-require-imports */
const analyzerRpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzer = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = path.resolve(__dirname, "../..");
let pack: ChildProcess;
let client: any;

beforeAll(async () => {
  pack = spawn(
    process.execPath,
    [path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run-policy-pack"), "127.0.0.1:0", "."],
    {
      cwd: path.join(ROOT, "policy"),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  pack.stderr?.on("data", (d) => (stderr += d));
  const port = await new Promise<string>((resolve, reject) => {
    pack.stdout?.once("data", (d) => resolve(String(d).trim()));
    pack.once("exit", (code) => reject(new Error(`the policy pack exited with ${code}:\n${stderr}`)));
  });
  client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 60_000);

afterAll(() => {
  client?.close();
  pack?.kill();
});

const call = <T>(method: string, request: unknown): Promise<T> =>
  new Promise((resolve, reject) =>
    client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))),
  );

function options(protect: boolean) {
  return new analyzer.AnalyzerResourceOptions().setProtect(protect);
}

/** What the engine shows: the SDK puts the policy's description above the rule's message. */
const reported = (rule: string, message: string) =>
  `${RULES.find((r) => r.name === rule)?.description}\n${message}`;

function diagnostics(response: any): { policy: string; message: string; level: number }[] {
  return response.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    message: d.getMessage(),
    level: d.getEnforcementlevel(),
  }));
}

test("it serves one mandatory policy per rule", async () => {
  const info: any = await call("getAnalyzerInfo", new Empty());
  expect(info.getName()).toBe("ferrum");
  expect(info.getPoliciesList().map((p: any) => p.getName())).toEqual(RULES.map((r) => r.name));
});

test("Analyze reports a public RDS instance with the rule's message", async () => {
  const request = new analyzer.AnalyzeRequest()
    .setType("aws:rds/instance:Instance")
    .setName("db")
    .setUrn("urn:pulumi:prod::ferrum::aws:rds/instance:Instance::db")
    .setProperties(
      Struct.fromJavaScript({
        publiclyAccessible: true,
        storageEncrypted: true,
        deletionProtection: true,
        backupRetentionPeriod: 7,
      }),
    )
    .setOptions(options(true));
  expect(diagnostics(await call("analyze", request))).toEqual([
    {
      policy: "no-public-data-stores",
      message: reported(
        "no-public-data-stores",
        'aws:rds/instance:Instance "db": publiclyAccessible is true; set publiclyAccessible: false (private subnets only)',
      ),
      level: analyzer.EnforcementLevel.MANDATORY,
    },
  ]);
});

test("AnalyzeStack reports an unprotected bucket of a cloud stack, and its missing encryption", async () => {
  const resource = (type: string, name: string, props: object, protect: boolean) =>
    new analyzer.AnalyzerResource()
      .setType(type)
      .setName(name)
      .setUrn(`urn:pulumi:prod::ferrum::${type}::${name}`)
      .setProperties(Struct.fromJavaScript(props))
      .setOptions(options(protect));
  const request = new analyzer.AnalyzeStackRequest().setResourcesList([
    resource("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16" }, false),
    resource("aws:s3/bucket:Bucket", "media", { bucket: "ferrum-prod-media" }, false),
  ]);
  expect(diagnostics(await call("analyzeStack", request)).map((d) => [d.policy, d.message])).toEqual([
    [
      "bucket-encryption",
      reported(
        "bucket-encryption",
        'aws:s3/bucket:Bucket "media": no default server-side encryption; add an aws.s3.BucketServerSideEncryptionConfiguration for it with applyServerSideEncryptionByDefault (sseAlgorithm aws:kms)',
      ),
    ],
    [
      "protect-stateful",
      reported(
        "protect-stateful",
        'aws:s3/bucket:Bucket "media": holds state but is not protected; pass the resource option { protect: true } (production stacks protect every stateful resource, so that no destroy or replacement can delete it)',
      ),
    ],
  ]);
});
