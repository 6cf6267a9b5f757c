/**
 * Proof that rotating the object store's per-service keys (`ferrum:objectStore.rotation`) costs no client a
 * failed request, as far as it can be proven without MinIO (whose binaries are not installable here).
 *
 * What runs for real: the bootstrap script ObjectStore renders at rotations 0, 1 and 2, with the Job's env
 * (its Secrets' keys), under dash; the services' S3 client, boto3 as the reference service uses it, signing
 * every request with the keys the plan hands each service (and the backups bucket's user); and s3rver (the
 * @20minutes fork), which checks every SigV4 signature against the keys it holds.
 *
 * What stands in for MinIO: `mc` and the server's identity store are tests/helpers/mc-iam-stand-in.js, which
 * models what MinIO's source says `mc admin user add` and `mc admin policy attach` do (rewrite that user's secret
 * key, touch no other user and no policy mapping). After each run of the script the test hands the store's
 * users with a policy to s3rver, as the server would serve them. So the proof covers the script, the plan's keys
 * and the clients; that MinIO rewrites one user and leaves the other rests on its source (README, "Rotating the
 * generated credentials").
 *
 * A `pulumi up` of a rotation is played in its order, as for PostgreSQL: the Job runs while the old pods make
 * requests, the new pods start beside them, the old ones stop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { CATALOG } from "../../config/catalog";
import { ObjectStore, serviceBuckets } from "../../components/object-store";
import { runCommand, type CommandResult } from "../helpers/postgres-server";
import { secretness, underMocks } from "../helpers/pulumi";
import { freePort, LOOPBACK } from "../helpers/redis-servers";
import { DEBIAN_PYTHON, requireTools, TOOLS } from "../helpers/requirements";

requireTools("tests/components/object-store-rotation.real.test.ts", [
  TOOLS.python,
  TOOLS.boto3,
  { command: "dash", install: "apt-get install -y dash" },
]);

/* eslint-disable @typescript-eslint/no-require-imports */
const S3rver = require("@20minutes/s3rver") as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};
const AWSAccount = require("@20minutes/s3rver/lib/models/account") as new (
  id: number,
  name: string,
) => { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
/* eslint-enable @typescript-eslint/no-require-imports */

const STAND_IN = path.resolve(__dirname, "../helpers/mc-iam-stand-in.js");
const BUCKETS = serviceBuckets("ferrum-test", CATALOG);
const BACKUPS_BUCKET = "ferrum-test-backups";

/** One key owner's keys as the plan hands them: a service (its bucket) or the backups CronJob. */
interface Handed {
  readonly owner: string;
  readonly bucket: string;
  readonly key: string;
  readonly secret: string;
}

/** What ObjectStore renders at one rotation. */
interface Rendered {
  readonly rotation: number;
  readonly script: string;
  readonly policies: Record<string, string>;
  /** The Job container's env, its Secret references resolved. */
  readonly env: Record<string, string>;
  readonly handed: readonly Handed[];
}

interface IamState {
  users: Record<string, { secretKey: string; status: string }>;
  mappings: Record<string, string[]>;
  buckets: Record<string, { versioning: boolean; lifecycle: string[]; anonymous: unknown }>;
}

let workDir: string;
let server: InstanceType<typeof S3rver>;
let account: InstanceType<typeof AWSAccount>;
let endpoint: string;
const rendered = new Map<number, Rendered>();
const started: ChildProcess[] = [];
const notes: string[] = [];

async function render(rotation: number): Promise<Rendered> {
  const { result: store, registrations: r } = await underMocks(
    () =>
      new ObjectStore("object-store", {
        backend: {
          kind: "inCluster",
          image: "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z",
          clientImage: "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
          storageGiB: 10,
          protect: false,
          rotation,
          publicEndpoint: {
            host: "objects.ferrum.test",
            routing: { kind: "traefik", entryPoints: ["websecure"], tls: {} },
            ingressNamespace: "traefik",
          },
        },
        namespace: "ferrum",
        buckets: BUCKETS,
        backups: { bucket: BACKUPS_BUCKET, retentionDays: 14 },
      }),
  );
  const data = (type: string, name: string) =>
    r.inputs(type, name) as { data?: Record<string, string>; stringData?: Record<string, string> };
  const secrets = {
    ...data("kubernetes:core/v1:Secret", "object-store-bootstrap").stringData,
    ...data("kubernetes:core/v1:Secret", "object-store-root").stringData,
  };
  const container = (r.inputs("kubernetes:batch/v1:Job", "object-store-bootstrap") as any).spec.template.spec
    .containers[0];
  const env = Object.fromEntries(
    (container.env as { name: string; value?: string; valueFrom?: any }[]).map((e) => [
      e.name,
      e.value ?? secrets[e.valueFrom.secretKeyRef.key]!,
    ]),
  );
  const keysOf = async (owner: string, bucket: string, c: { accessKeyId: any; secretAccessKey: any }) => ({
    owner,
    bucket,
    key: (await secretness(c.accessKeyId)).value as string,
    secret: (await secretness(c.secretAccessKey)).value as string,
  });
  const handed = await Promise.all([
    ...BUCKETS.map((b) => keysOf(b.service, b.bucket, store.forService(b.service).credentials!)),
    keysOf("backups", BACKUPS_BUCKET, store.backups!.credentials!),
  ]);
  return {
    rotation,
    script: data("kubernetes:core/v1:ConfigMap", "object-store-bootstrap-script").data!["bootstrap.sh"]!,
    policies: data("kubernetes:core/v1:ConfigMap", "object-store-policies").data!,
    env,
    handed,
  };
}

const at = (rotation: number): Rendered => rendered.get(rotation)!;
const iamDir = () => path.join(workDir, "mc");
const iam = (): IamState => JSON.parse(readFileSync(path.join(iamDir(), "iam.json"), "utf8")) as IamState;

/** Runs the rendered script under dash with the stand-in `mc`, then serves the store's users from s3rver. */
async function runJob(at: Rendered): Promise<CommandResult> {
  const policyDir = path.join(workDir, `policies-${at.rotation}`);
  mkdirSync(policyDir, { recursive: true });
  for (const [file, text] of Object.entries(at.policies)) writeFileSync(path.join(policyDir, file), text);
  const script = path.join(workDir, `bootstrap-${at.rotation}.sh`);
  writeFileSync(script, at.script.replaceAll("'/policies/", `'${policyDir}/`));
  const run = await runCommand("dash", [script], {
    env: {
      PATH: `${path.join(workDir, "bin")}:/usr/bin:/bin`,
      ...at.env,
      OBJECT_STORE_URL: endpoint,
      MC_CONFIG_DIR: iamDir(),
      HOME: workDir,
    },
    timeoutMs: 30_000,
  });
  // The server serves what its identity store holds: every enabled user with a policy, with its secret key.
  const state = iam();
  for (const [key, user] of Object.entries(state.users)) {
    if (user.status === "enabled" && (state.mappings[key] ?? []).length)
      account.createKeyPair(key, user.secretKey);
  }
  return run;
}

async function expectJobSucceeds(at: Rendered): Promise<void> {
  const t = Date.now();
  const run = await runJob(at);
  expect({ rotation: at.rotation, code: run.code, stderr: run.stderr }).toEqual({
    rotation: at.rotation,
    code: 0,
    stderr: "",
  });
  notes.push(`bootstrap script of rotation ${at.rotation}: ${Date.now() - t} ms`);
}

/** Every owner's pods, as one boto3 process: a PUT and a GET per owner per round, no retries. */
const POD_LOOP = `
import json, os, sys, time
import boto3
from botocore.config import Config

handed = json.loads(os.environ["HANDED"])
stop, out = os.environ["STOP_FILE"], os.environ["OUT_FILE"]
config = Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"total_max_attempts": 1})
clients = [
    (h, boto3.client("s3", endpoint_url=os.environ["ENDPOINT"], region_name="us-east-1", config=config,
                     aws_access_key_id=h["key"], aws_secret_access_key=h["secret"]))
    for h in handed
]
ok, failures, round, deadline = 0, [], 0, time.time() + 60
while not os.path.exists(stop) and time.time() < deadline and ok + len(failures) < 20000:
    for h, s3 in clients:
        key = "rotation/%s/%s/%d" % (os.environ["POD"], h["owner"], round)
        try:
            s3.put_object(Bucket=h["bucket"], Key=key, Body=b"ferrum")
            assert s3.get_object(Bucket=h["bucket"], Key=key)["Body"].read() == b"ferrum"
            ok += 1
        except Exception as e:
            failures.append("%s: %s" % (h["owner"], str(e)[:300]))
    round += 1
    with open(out + ".count.part", "w") as f:
        f.write(str(ok + len(failures)))
    os.replace(out + ".count.part", out + ".count")
with open(out, "w") as f:
    json.dump({"ok": ok, "failures": failures}, f)
`;

interface Pods {
  readonly name: string;
  count(): number;
  stop(): Promise<{ ok: number; failures: string[] }>;
}

function startPods(at: Rendered, name = `rotation ${at.rotation}`): Pods {
  const base = path.join(workDir, name.replace(/\W+/g, "-"));
  const [stopFile, outFile] = [`${base}.stop`, `${base}.json`];
  const child = spawn(DEBIAN_PYTHON, ["-c", POD_LOOP], {
    env: {
      PATH: "/usr/bin:/bin",
      HANDED: JSON.stringify(at.handed),
      ENDPOINT: endpoint,
      STOP_FILE: stopFile,
      OUT_FILE: outFile,
      POD: name.replace(/\W+/g, "-"),
      PYTHONDONTWRITEBYTECODE: "1",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  started.push(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return {
    name,
    count: () => (existsSync(`${outFile}.count`) ? Number(readFileSync(`${outFile}.count`, "utf8")) : 0),
    async stop() {
      writeFileSync(stopFile, "");
      const code = await exited;
      if (code !== 0 || !existsSync(outFile)) throw new Error(`pods ${name} exited ${code}: ${stderr}`);
      return JSON.parse(readFileSync(outFile, "utf8")) as { ok: number; failures: string[] };
    },
  };
}

/** Waits until `pods` made `n` more requests (pairs), or 30 s passed (the assertions then fail). */
async function moreRequests(pods: Pods, n = 25): Promise<void> {
  const target = pods.count() + n;
  const deadline = Date.now() + 30_000;
  while (pods.count() < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), "ferrum-os-rotation-"));
  mkdirSync(path.join(workDir, "bin"));
  writeFileSync(
    path.join(workDir, "bin", "mc"),
    `#!/bin/sh\nexec '${process.execPath}' '${STAND_IN}' "$@"\n`,
    {
      mode: 0o755,
    },
  );
  for (const rotation of [0, 1, 2]) rendered.set(rotation, await render(rotation));
  const port = await freePort();
  endpoint = `http://${LOOPBACK}:${port}`;
  account = new AWSAccount(123456789012, "ferrum");
  server = new S3rver({
    address: LOOPBACK,
    port,
    silent: true,
    directory: path.join(workDir, "s3"),
    vhostBuckets: false,
    configureBuckets: [...BUCKETS.map((b) => ({ name: b.bucket })), { name: BACKUPS_BUCKET }],
  });
  await server.run();
}, 60_000);

afterAll(async () => {
  for (const child of started) if (child.exitCode === null) child.kill("SIGKILL");
  await server?.close();
  for (const h of rendered.get(0)?.handed ?? []) account?.revokeAccessKey(h.key);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  if (notes.length)
    console.log(`object-store rotation proof (s3rver, stand-in mc):\n  ${notes.join("\n  ")}`);
});

describe("rotating the object store's keys, against s3rver with a modelled MinIO identity store", () => {
  test("rotation 0 of the rendered script gives every bucket two users holding its policy; each owner is handed user a", async () => {
    await expectJobSucceeds(at(0));
    const state = iam();
    const users = Object.keys(state.users);
    expect(users).toHaveLength(2 * (BUCKETS.length + 1));
    for (const h of at(0).handed) {
      expect({ owner: h.owner, user: state.users[h.key] }).toEqual({
        owner: h.owner,
        user: { secretKey: h.secret, status: "enabled" },
      });
      expect(state.mappings[h.key]).toEqual([`${h.bucket}-rw`]);
      expect(state.buckets[h.bucket]).toMatchObject({ versioning: true });
    }
    // The second user of each bucket holds the same policy, under an access key of its own.
    for (const b of [...BUCKETS.map((x) => x.bucket), BACKUPS_BUCKET]) {
      expect(Object.entries(state.mappings).filter(([, p]) => p.includes(`${b}-rw`))).toHaveLength(2);
    }
  });

  test("two rotations, each played as pulumi up plays it, under boto3 client loops: zero failed requests", async () => {
    const t = Date.now();
    const results: { name: string; ok: number; failures: string[] }[] = [];
    const during: Record<number, number> = {};
    let pods = startPods(at(0));
    await moreRequests(pods);
    for (const rotation of [1, 2]) {
      const before = pods.count();
      await expectJobSucceeds(at(rotation));
      await moreRequests(pods);
      during[rotation] = pods.count() - before;
      const next = startPods(at(rotation));
      await moreRequests(next);
      results.push({ name: pods.name, ...(await pods.stop()) });
      pods = next;
      await moreRequests(pods);
    }
    results.push({ name: pods.name, ...(await pods.stop()) });
    const ok = results.reduce((n, r) => n + r.ok, 0);
    const failures = results.flatMap((r) => r.failures.map((f) => `${r.name}: ${f}`));
    notes.push(
      `rotations 0 -> 1 -> 2 in ${Date.now() - t} ms: ${ok} signed PUT+GET pairs over five key owners, ` +
        `${during[1]} and ${during[2]} of them by the old pods once the new keys were in place; ${failures.length} failed`,
    );
    expect(failures).toEqual([]);
    for (const r of results) expect(r.ok).toBeGreaterThanOrEqual(25);
    // Each rotation's pods signed with keys of their own: user a, then b with a new secret, then a with a new one.
    for (const [i, h0] of at(0).handed.entries()) {
      const [h1, h2] = [at(1).handed[i]!, at(2).handed[i]!];
      expect({ owner: h0.owner, b: h1.key !== h0.key, a: h2.key === h0.key }).toEqual({
        owner: h0.owner,
        b: true,
        a: true,
      });
      expect(new Set([h0.secret, h1.secret, h2.secret]).size).toBe(3);
    }
  }, 180_000);

  test("the bound: after two rotations the secret of rotation 0 is refused; rotation 1's works until the next", async () => {
    const state = iam();
    for (const [i, h0] of at(0).handed.entries()) {
      const [h1, h2] = [at(1).handed[i]!, at(2).handed[i]!];
      // User a again, with a new secret; user b keeps rotation 1's.
      expect(h2.key).toBe(h0.key);
      expect(state.users[h0.key]!.secretKey).toBe(h2.secret);
      expect(h2.secret).not.toBe(h0.secret);
      expect(state.users[h1.key]!.secretKey).toBe(h1.secret);
    }
    const stale = startPods(at(0), "stale keys of rotation 0");
    const previous = startPods(at(1), "keys of rotation 1");
    await Promise.all([moreRequests(stale, 5), moreRequests(previous, 5)]);
    const [refused, accepted] = [await stale.stop(), await previous.stop()];
    expect(refused.ok).toBe(0);
    expect(refused.failures.every((f) => f.includes("SignatureDoesNotMatch"))).toBe(true);
    expect(accepted.failures).toEqual([]);
    expect(accepted.ok).toBeGreaterThanOrEqual(5);
  }, 60_000);

  test("skipping a step (rotation 0 straight to 2) changes the secret the old pods use: the loops would notice", async () => {
    // Back to rotation 0's secrets (what the server held before), then a jump of two under the old pods.
    await expectJobSucceeds(at(0));
    const pods = startPods(at(0), "old pods across a skipped step");
    await moreRequests(pods);
    await expectJobSucceeds(at(2));
    await moreRequests(pods);
    const { ok, failures } = await pods.stop();
    expect(ok).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((f) => f.includes("SignatureDoesNotMatch"))).toBe(true);
  }, 60_000);
});
