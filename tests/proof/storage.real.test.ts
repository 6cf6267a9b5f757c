/**
 * Proof on a real S3 server that the URLs the reference service hands browsers work at the object store's
 * public host, and only there. No mocks and no hand-written env: the offline plan of `dev` gives the catalog's
 * env (its ConfigMap and Secret) and the object store's public IngressRoute. The service (tests/fixtures/django,
 * catalog_service/storage.py, under Debian's /usr/bin/python3 with python3-boto3 and django-storages 1.13)
 * writes through the internal endpoint, which is moved to the loopback port of the server, and signs for the
 * public endpoint exactly as the plan renders it (`https://objects.ferrum.local`).
 *
 * The server is s3rver in the @20minutes fork (4.0.4), which verifies SigV4 signatures, headers and query
 * strings alike. s3rver 3.7.1, the last release of the original, parses a SigV4 signature and accepts it
 * whatever it is: a tampered URL would pass there. Requests are sent as the IngressRoute forwards them: to the
 * server's port with the browser's Host header kept (`passHostHeader`), TLS having ended at Traefik.
 *
 * s3rver enforces no bucket policy: that anonymous readers reach `public/` and nothing else is the policy
 * document's job, tested in tests/components/object-store-policy.test.ts and tests/stacks.
 */
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { manifests, runPlan } from "../../harness/planner";
import {
  containerEnvFrom,
  manage,
  planObject,
  Processes,
  PYTHON,
  toLoopback,
  type K8sObject,
} from "../helpers/django";
import { freePort, LOOPBACK } from "../helpers/redis-servers";

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

const MODULES = "import django, boto3, storages.backends.s3boto3";
const probe = spawnSync(PYTHON, ["-c", MODULES], { encoding: "utf8" });
const installed = probe.status === 0;
const inCI = process.env.CI === "true";
const suite = installed || inCI ? describe : describe.skip;
if (!installed && !inCI) {
  console.warn(
    "boto3 or django-storages not importable by /usr/bin/python3: skipping; install them with apt-get install -y " +
      "--no-install-recommends python3-django python3-boto3 python3-django-storages-boto3",
  );
}

/** What the service's storage did, as the shell script below prints it. */
interface Handed {
  upload: string;
  uploadUrl: string;
  /** The URL django-storages' own S3 storage signs: for the internal endpoint (what browsers got before). */
  internalUrl: string;
  shortUrl: string;
  asset: string;
  assetUrl: string;
}

/** Python run by `manage.py shell -c`: uploads one private and one public object, prints the URLs it hands out. */
const SCRIPT = [
  "import json",
  "from django.core.files.base import ContentFile",
  "from django.core.files.storage import default_storage",
  "from storages.backends.s3boto3 import S3Boto3Storage",
  "from catalog_service.storage import public_storage",
  "upload = default_storage.save('avatars/ada.png', ContentFile(b'PNG-ada'))",
  "asset = public_storage.save('logos/visa.svg', ContentFile(b'<svg>visa</svg>'))",
  "print('@@storage ' + json.dumps({",
  "    'upload': upload,",
  "    'uploadUrl': default_storage.url(upload),",
  "    'internalUrl': S3Boto3Storage.url(default_storage, upload),",
  "    'shortUrl': default_storage.url(upload, expire=1),",
  "    'asset': asset,",
  "    'assetUrl': public_storage.url(asset),",
  "}))",
].join("\n");

interface Reply {
  status: number;
  cacheControl?: string;
  body: string;
}

let port: number;
let workDir: string;
let server: InstanceType<typeof S3rver> | undefined;
let account: InstanceType<typeof AWSAccount> | undefined;
let objects: K8sObject[];
let planEnv: Record<string, string>;
let handed: Handed;
const processes = new Processes();

/** GET `pathAndQuery` from the server with `host` as the Host header: what Traefik sends for that host. */
function get(pathAndQuery: string, host: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: LOOPBACK, port, path: pathAndQuery, method: "GET", headers: { host }, timeout: 5_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, cacheControl: res.headers["cache-control"], body }),
        );
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${pathAndQuery}: no answer within 5 s`)));
    req.on("error", reject);
    req.end();
  });
}

/** A URL sent to the server as a browser (through the route) would: its path and query, its own Host. */
const fetchAt = (url: string, host = new URL(url).host): Promise<Reply> => {
  const u = new URL(url);
  return get(`${u.pathname}${u.search}`, host);
};

/** The plan's public host of the object store: the IngressRoute's `Host(...)`. */
function routedHost(): string {
  const route = planObject(objects, "IngressRoute", "object-store");
  const match = /^Host\(`([^`]+)`\)$/.exec(route.spec.routes[0].match);
  if (!match) throw new Error(`unexpected object store route ${route.spec.routes[0].match}`);
  return match[1]!;
}

suite("the URLs the reference service hands browsers, at the object store's public host", () => {
  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), "ferrum-storage-"));
    objects = manifests(await runPlan("dev"), true) as K8sObject[];
    planEnv = containerEnvFrom(objects, planObject(objects, "Deployment", "catalog-web"), "web");

    port = await freePort();
    account = new AWSAccount(123456789012, "catalog");
    account.createKeyPair(planEnv.AWS_ACCESS_KEY_ID!, planEnv.AWS_SECRET_ACCESS_KEY!);
    server = new S3rver({
      address: LOOPBACK,
      port,
      silent: true,
      directory: workDir,
      // Path-style, as MinIO without MINIO_DOMAIN: a Host that is no bucket name stays a host.
      vhostBuckets: false,
      configureBuckets: [{ name: planEnv.AWS_STORAGE_BUCKET_NAME }],
    });
    await server.run();

    // The internal endpoint moves to the server's port; nothing else changes (the public one stays as planned).
    const internal = new URL(planEnv.AWS_S3_ENDPOINT_URL!);
    const endpoints = new Map([[internal.host, port]]);
    const env = Object.fromEntries(Object.entries(planEnv).map(([k, v]) => [k, toLoopback(v, endpoints)]));
    const run = await manage(processes, ["shell", "-c", SCRIPT], env, 30_000);
    const line = run.stdout.split("\n").find((l) => l.startsWith("@@storage "));
    if (run.code !== 0 || !line)
      throw new Error(`manage.py shell exited ${run.code}:\n${run.stdout}${run.stderr}`);
    handed = JSON.parse(line.slice("@@storage ".length)) as Handed;
  }, 60_000);

  afterAll(async () => {
    await processes.stopAll();
    await server?.close();
    account?.revokeAccessKey(planEnv?.AWS_ACCESS_KEY_ID ?? "");
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test("the plan gives the service both endpoints; it talks to the internal one and signs for the public one", async () => {
    expect(planEnv.AWS_S3_ENDPOINT_URL).toBe("http://minio.ferrum.svc.cluster.local:9000");
    expect(planEnv.AWS_S3_PUBLIC_ENDPOINT_URL).toBe(`https://${routedHost()}`);
    expect(routedHost()).toBe("objects.ferrum.local");
    const route = planObject(objects, "IngressRoute", "object-store");
    expect(route.spec.routes[0].services).toEqual([
      { kind: "Service", name: "minio", port: 9000, passHostHeader: true },
    ]);

    const url = new URL(handed.uploadUrl);
    expect(`${url.protocol}//${url.host}`).toBe(planEnv.AWS_S3_PUBLIC_ENDPOINT_URL);
    expect(url.pathname).toBe(`/${planEnv.AWS_STORAGE_BUCKET_NAME}/${handed.upload}`);
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("3600");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(
      new RegExp(`^${planEnv.AWS_ACCESS_KEY_ID}/\\d{8}/us-east-1/s3/aws4_request$`),
    );
    // The upload went to the internal endpoint (on loopback, the server's port): it is there, as written, and
    // django-storages' own URL, signed for that endpoint, reads it there.
    expect(new URL(handed.internalUrl).host).toBe(`${LOOPBACK}:${port}`);
    expect(await fetchAt(handed.internalUrl)).toEqual({
      status: 200,
      cacheControl: "private, max-age=3600",
      body: "PNG-ada",
    });
  });

  test("fetched at the public host, the signed URL returns the upload, marked private", async () => {
    const reply = await fetchAt(handed.uploadUrl, routedHost());
    expect(reply).toEqual({ status: 200, cacheControl: "private, max-age=3600", body: "PNG-ada" });
  });

  test("the same URL with a tampered signature is refused", async () => {
    const url = new URL(handed.uploadUrl);
    const signature = url.searchParams.get("X-Amz-Signature")!;
    url.searchParams.set("X-Amz-Signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
    const reply = await fetchAt(url.toString(), routedHost());
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  test("the internal-host form is refused: the signature binds the URL to the host it names", async () => {
    const internal = new URL(planEnv.AWS_S3_ENDPOINT_URL!).host;
    // The URL signed for the public host, presented at the internal one (a route that rewrote the Host).
    const atInternal = await fetchAt(handed.uploadUrl, internal);
    expect(atInternal.status).toBe(403);
    expect(atInternal.body).toContain("<Code>SignatureDoesNotMatch</Code>");
    // What django-storages signs by itself, for the internal endpoint (the URL browsers got before; its host is
    // the endpoint's loopback stand-in here), presented at the public host: refused too. At its own host the
    // very same URL is accepted (first test): only the host differs.
    const internalAtPublic = await fetchAt(handed.internalUrl, routedHost());
    expect(internalAtPublic.status).toBe(403);
    expect(internalAtPublic.body).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  test("a signed URL stops working when it expires", async () => {
    // Signed for one second while the suite started; the server checks the expiry before the signature.
    expect(new URL(handed.shortUrl).searchParams.get("X-Amz-Expires")).toBe("1");
    const issued = new URL(handed.shortUrl).searchParams.get("X-Amz-Date")!;
    const expiresAt =
      Date.parse(issued.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z")) +
      1_000;
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt + 1_000 - Date.now())));
    const reply = await fetchAt(handed.shortUrl, routedHost());
    expect(reply.status).toBe(403);
    expect(reply.body).toContain("Request has expired");
  });

  test("a public asset: an unsigned URL under the public base, served with public cache headers", async () => {
    expect(handed.asset).toBe("logos/visa.svg");
    expect(handed.assetUrl).toBe(`${planEnv.AWS_S3_PUBLIC_BASE_URL}/public/logos/visa.svg`);
    expect(new URL(handed.assetUrl).search).toBe("");
    const reply = await fetchAt(handed.assetUrl, routedHost());
    expect(reply).toEqual({ status: 200, cacheControl: "public, max-age=86400", body: "<svg>visa</svg>" });
  });
});
