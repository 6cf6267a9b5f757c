/**
 * The pure parts of ObjectStore: the per-bucket policies (which the AWS backend will reuse) and the bootstrap
 * script, which also runs for real under `sh` against a stand-in `mc` that records its calls.
 */
import { execFileSync, spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { CATALOG } from "../../config/catalog";
import { bucketPolicy, bucketPrefix, renderPolicy, serviceBuckets } from "../../components/object-store";
import { renderBootstrapScript } from "../../components/object-store/bootstrap-script";
import { backupPolicy, BUCKET_ACTIONS, OBJECT_ACTIONS } from "../../components/object-store/policy";
import { bucketNameProblems } from "../../components/object-store/validation";
import { defaultObjectsHost } from "../../config/defaults";
import { PUBLIC_PREFIX } from "../../components/object-store/naming";
import {
  accountOfArn,
  bucketKeyPolicy,
  cdnReadStatement,
  keyUseStatement,
  publicReadPolicy,
  renderPublicReadPolicy,
} from "../../components/object-store/public-access";

const BUCKETS = serviceBuckets(bucketPrefix("ferrum", "dev"), CATALOG);

/** Every Resource of every statement of a policy, and every Action. */
const resources = (bucket: string) => bucketPolicy(bucket).Statement.flatMap((s) => s.Resource);
const actions = (bucket: string) => bucketPolicy(bucket).Statement.flatMap((s) => s.Action);

describe("bucket names", () => {
  test("the catalog's buckets are <project>-<stack>-<suffix>, distinct and valid", () => {
    expect(BUCKETS).toEqual([
      { service: "auth", bucket: "ferrum-dev-auth" },
      { service: "user", bucket: "ferrum-dev-user" },
      { service: "content", bucket: "ferrum-dev-content" },
      { service: "catalog", bucket: "ferrum-dev-catalog" },
    ]);
    for (const { bucket } of BUCKETS) expect(bucketNameProblems(bucket)).toEqual([]);
  });

  test("the prefix is lowercased and stripped of characters S3 refuses", () => {
    expect(bucketPrefix("ferrum", "prod-azure")).toBe("ferrum-prod-azure");
    expect(bucketPrefix("Ferrum", "Dev_EU.1")).toBe("ferrum-dev-eu-1");
  });
});

describe("bucketPolicy", () => {
  test.each(BUCKETS)("$service's policy grants exactly $bucket and its objects", ({ bucket }) => {
    const policy = bucketPolicy(bucket);
    expect(policy.Version).toBe("2012-10-17");
    expect(policy.Statement.every((s) => s.Effect === "Allow")).toBe(true);
    expect(policy.Statement).toEqual([
      expect.objectContaining({ Action: [...BUCKET_ACTIONS], Resource: [`arn:aws:s3:::${bucket}`] }),
      expect.objectContaining({ Action: [...OBJECT_ACTIONS], Resource: [`arn:aws:s3:::${bucket}/*`] }),
    ]);
    expect(new Set(resources(bucket))).toEqual(
      new Set([`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]),
    );
  });

  test("bucket actions are the listing ones and object actions the read/write/multipart ones", () => {
    expect(BUCKET_ACTIONS).toEqual([
      "s3:ListBucket",
      "s3:GetBucketLocation",
      "s3:ListBucketMultipartUploads",
    ]);
    expect(OBJECT_ACTIONS).toEqual([
      "s3:GetObject",
      "s3:PutObject",
      "s3:DeleteObject",
      "s3:AbortMultipartUpload",
      "s3:ListMultipartUploadParts",
    ]);
  });

  test("no policy names another service's bucket", () => {
    for (const own of BUCKETS) {
      const text = renderPolicy(own.bucket);
      for (const other of BUCKETS.filter((b) => b !== own)) {
        // Quoted or followed by "/": "ferrum-dev-user" must not match inside a longer name, nor miss "…/*".
        expect(text).not.toMatch(new RegExp(`arn:aws:s3:::${other.bucket}(["/]|$)`));
      }
    }
  });

  test("no policy has a wildcard bucket, a bare * resource or a wildcard action", () => {
    for (const { bucket } of BUCKETS) {
      for (const r of resources(bucket)) {
        expect(r).not.toBe("*");
        expect(r).not.toMatch(/^arn:aws:s3:::\*/);
        // The only wildcard allowed is the object part of the own bucket's ARN.
        expect(r.replace(`arn:aws:s3:::${bucket}/*`, "")).not.toContain("*");
      }
      for (const a of actions(bucket)) {
        expect(a).not.toContain("*");
        expect(a).toMatch(/^s3:[A-Za-z]+$/);
      }
    }
  });

  test("renderPolicy is the document as JSON", () => {
    expect(JSON.parse(renderPolicy("ferrum-dev-auth"))).toEqual(bucketPolicy("ferrum-dev-auth"));
  });

  test("the backups policy grants the service policy's actions on the backups bucket, minus deleting", () => {
    const policy = backupPolicy("ferrum-dev-backups");
    expect(policy.Statement).toEqual([
      {
        Sid: "Bucket",
        Effect: "Allow",
        Action: [...BUCKET_ACTIONS],
        Resource: ["arn:aws:s3:::ferrum-dev-backups"],
      },
      {
        Sid: "Objects",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: ["arn:aws:s3:::ferrum-dev-backups/*"],
      },
    ]);
    expect(JSON.stringify(policy)).not.toMatch(/Delete/);
  });
});

describe("public objects: the public prefix, readable by anyone, and nothing else", () => {
  const DISTRIBUTION = "arn:aws:cloudfront::123456789012:distribution/E2QWRUHAPOMQZL";
  const KEY = "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

  test("MinIO's bucket policy: anonymous GetObject under public/ of the bucket itself, no listing, no write", () => {
    expect(PUBLIC_PREFIX).toBe("public/");
    expect(publicReadPolicy("ferrum-dev-catalog")).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PublicRead",
          Effect: "Allow",
          Principal: { AWS: ["*"] },
          Action: ["s3:GetObject"],
          Resource: ["arn:aws:s3:::ferrum-dev-catalog/public/*"],
        },
      ],
    });
    expect(JSON.parse(renderPublicReadPolicy("ferrum-dev-catalog"))).toEqual(
      publicReadPolicy("ferrum-dev-catalog"),
    );
    for (const { bucket } of BUCKETS) {
      const text = renderPublicReadPolicy(bucket);
      expect(text).not.toMatch(/ListBucket|PutObject|DeleteObject|s3:\*/);
      expect(text.match(/arn:aws:s3:::[^"]+/g)).toEqual([`arn:aws:s3:::${bucket}/public/*`]);
    }
  });

  test("AWS: CloudFront's principal gets public/ of one bucket, for one distribution only", () => {
    expect(cdnReadStatement("ferrum-prod-catalog", DISTRIBUTION)).toEqual({
      Sid: "CdnReadsPublicPrefix",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::ferrum-prod-catalog/public/*",
      Condition: { StringEquals: { "AWS:SourceArn": DISTRIBUTION } },
    });
  });

  test("AWS: the bucket key lets its account administer it and the one distribution decrypt", () => {
    const policy = bucketKeyPolicy(KEY, DISTRIBUTION);
    expect(policy.Statement).toEqual([
      {
        Sid: "AccountAdministersTheKey",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::123456789012:root" },
        Action: "kms:*",
        Resource: "*",
      },
      {
        Sid: "CdnDecryptsPublicObjects",
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { StringEquals: { "AWS:SourceArn": DISTRIBUTION } },
      },
    ]);
    expect(keyUseStatement(KEY)).toEqual({
      Sid: "BucketKey",
      Effect: "Allow",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: [KEY],
    });
  });

  test("the account comes from the key's ARN; an ARN without one is refused", () => {
    expect(accountOfArn(KEY)).toBe("123456789012");
    expect(() => accountOfArn("arn:aws:s3:::ferrum-prod-catalog")).toThrow(
      'no account id in ARN "arn:aws:s3:::ferrum-prod-catalog"',
    );
  });

  test.each([
    ["api.ferrum.local", "objects.ferrum.local"],
    ["api.ferrum.example.com", "objects.ferrum.example.com"],
    ["ferrum.local", "objects.ferrum.local"],
    ["localhost", "objects.localhost"],
  ])("the default public host of API host %s is %s", (api, objects) => {
    expect(defaultObjectsHost(api)).toBe(objects);
  });
});

describe("renderBootstrapScript", () => {
  const script = renderBootstrapScript(BUCKETS);

  test("renders every bucket, policy and user with idempotent commands and versioning on", () => {
    for (const { service, bucket } of BUCKETS) {
      const env = service.toUpperCase();
      expect(script).toContain(`mc mb --ignore-existing 'ferrum/${bucket}'\n`);
      expect(script).toContain(`mc version enable 'ferrum/${bucket}'\n`);
      expect(script).toContain(`mc admin policy create ferrum '${bucket}-rw' '/policies/${service}.json'\n`);
      for (const slot of ["A", "B"]) {
        expect(script).toContain(
          `mc admin user add ferrum "$FERRUM_${env}_${slot}_ACCESS_KEY_ID" "$FERRUM_${env}_${slot}_SECRET_ACCESS_KEY" >/dev/null\n`,
        );
        expect(script).toContain(`attach_policy '${bucket}-rw' "$FERRUM_${env}_${slot}_ACCESS_KEY_ID"\n`);
      }
      expect(script).toContain(
        `mc anonymous set-json '/policies/${service}.public.json' 'ferrum/${bucket}'\n`,
      );
    }
    // Buckets are only ever created, never removed or overwritten.
    expect(script).not.toMatch(/\bmc (rb|rm|admin user remove|admin policy remove)\b/);
    expect(script.match(/^mc mb /gm)).toHaveLength(BUCKETS.length);
    expect(script.match(/^mc mb --ignore-existing /gm)).toHaveLength(BUCKETS.length);
  });

  test("one service's block, exactly: both users hold the bucket's policy", () => {
    const auth = renderBootstrapScript([{ service: "auth", bucket: "ferrum-dev-auth" }], {
      noncurrentVersionDays: 30,
    });
    expect(auth.slice(auth.indexOf("# auth:"))).toBe(
      [
        "# auth: bucket ferrum-dev-auth, old versions kept 30 days",
        ': "${FERRUM_AUTH_A_ACCESS_KEY_ID:?}" "${FERRUM_AUTH_A_SECRET_ACCESS_KEY:?}" "${FERRUM_AUTH_B_ACCESS_KEY_ID:?}" "${FERRUM_AUTH_B_SECRET_ACCESS_KEY:?}"',
        "mc mb --ignore-existing 'ferrum/ferrum-dev-auth'",
        "mc version enable 'ferrum/ferrum-dev-auth'",
        "set_lifecycle 'ferrum/ferrum-dev-auth' --noncurrent-expire-days 30",
        "mc admin policy create ferrum 'ferrum-dev-auth-rw' '/policies/auth.json'",
        'mc admin user add ferrum "$FERRUM_AUTH_A_ACCESS_KEY_ID" "$FERRUM_AUTH_A_SECRET_ACCESS_KEY" >/dev/null',
        "attach_policy 'ferrum-dev-auth-rw' \"$FERRUM_AUTH_A_ACCESS_KEY_ID\"",
        'mc admin user add ferrum "$FERRUM_AUTH_B_ACCESS_KEY_ID" "$FERRUM_AUTH_B_SECRET_ACCESS_KEY" >/dev/null',
        "attach_policy 'ferrum-dev-auth-rw' \"$FERRUM_AUTH_B_ACCESS_KEY_ID\"",
        "mc anonymous set-json '/policies/auth.public.json' 'ferrum/ferrum-dev-auth'",
        "",
        'echo "object store ready: 1 bucket(s), each with its own users, policy and lifecycle rule, the service buckets with a public prefix"',
        "",
      ].join("\n"),
    );
  });

  test("with one slot (the local compose stack), one user per bucket", () => {
    const auth = renderBootstrapScript(
      [{ service: "auth", bucket: "ferrum-dev-auth" }],
      { noncurrentVersionDays: 30 },
      ["a"],
    );
    expect(auth.match(/^mc admin user add .*$/gm)).toEqual([
      'mc admin user add ferrum "$FERRUM_AUTH_A_ACCESS_KEY_ID" "$FERRUM_AUTH_A_SECRET_ACCESS_KEY" >/dev/null',
    ]);
    expect(auth).toContain("1 bucket(s), each with its own user, policy");
  });

  test("without settings every bucket keeps old versions 90 days, as the AWS buckets' default", () => {
    expect(
      script.match(/^set_lifecycle 'ferrum\/ferrum-dev-[a-z]+' --noncurrent-expire-days 90$/gm),
    ).toHaveLength(BUCKETS.length);
  });

  test("the backups bucket's block: its own user, each object expired after the retention, old versions after a day", () => {
    const text = renderBootstrapScript(BUCKETS, {
      noncurrentVersionDays: 90,
      backups: { bucket: "ferrum-dev-backups", retentionDays: 14 },
    });
    expect(text.slice(text.indexOf("# backups:"))).toBe(
      [
        "# backups: bucket ferrum-dev-backups, each object deleted 14 days after it was written; its user may not delete",
        ': "${FERRUM_BACKUPS_A_ACCESS_KEY_ID:?}" "${FERRUM_BACKUPS_A_SECRET_ACCESS_KEY:?}" "${FERRUM_BACKUPS_B_ACCESS_KEY_ID:?}" "${FERRUM_BACKUPS_B_SECRET_ACCESS_KEY:?}"',
        "mc mb --ignore-existing 'ferrum/ferrum-dev-backups'",
        "mc version enable 'ferrum/ferrum-dev-backups'",
        "set_lifecycle 'ferrum/ferrum-dev-backups' --expire-days 14 --noncurrent-expire-days 1",
        "mc admin policy create ferrum 'ferrum-dev-backups-rw' '/policies/backups.json'",
        'mc admin user add ferrum "$FERRUM_BACKUPS_A_ACCESS_KEY_ID" "$FERRUM_BACKUPS_A_SECRET_ACCESS_KEY" >/dev/null',
        "attach_policy 'ferrum-dev-backups-rw' \"$FERRUM_BACKUPS_A_ACCESS_KEY_ID\"",
        'mc admin user add ferrum "$FERRUM_BACKUPS_B_ACCESS_KEY_ID" "$FERRUM_BACKUPS_B_SECRET_ACCESS_KEY" >/dev/null',
        "attach_policy 'ferrum-dev-backups-rw' \"$FERRUM_BACKUPS_B_ACCESS_KEY_ID\"",
        "",
        'echo "object store ready: 5 bucket(s), each with its own users, policy and lifecycle rule, the service buckets with a public prefix"',
        "",
      ].join("\n"),
    );
  });

  test("holds no secret: every credential is an environment variable", () => {
    // The renderer takes no credential at all; the only credential-bearing commands read them from env.
    expect(renderBootstrapScript.length).toBe(1);
    const credentialLines = script.split("\n").filter((l) => /mc (alias set|admin user add) /.test(l));
    expect(credentialLines).toHaveLength(1 + 2 * BUCKETS.length);
    for (const line of credentialLines) {
      const args = line.replace(/^.*?mc (alias set|admin user add) ferrum /, "").split(" ");
      expect(args[0]).toMatch(/^"\$[A-Z_]+"$/);
      expect(args[1]).toMatch(/^"\$[A-Z_]+"$/);
    }
    // Nothing key-shaped (AWS-style ids, 40-character secrets) in the text.
    expect(script).not.toMatch(/[A-Za-z0-9+/]{20,}/);
  });

  test("is valid POSIX shell", () => {
    expect(() => execFileSync("sh", ["-n"], { input: script })).not.toThrow();
  });
});

/** Runs the script under dash against a stand-in `mc` (and `sleep`) that log every call. */
function runScript(
  env: Record<string, string>,
  fake: {
    attached?: string[];
    notReadyFor?: number;
    attachError?: string;
    /** What `mc ilm rule ls` answers: rules exist, none (mc's own message), or a failure. */
    lifecycle?: "set" | "none" | "error";
  } = {},
) {
  const dir = mkdtempSync(path.join(tmpdir(), "ferrum-mc-"));
  try {
    const log = path.join(dir, "calls.log");
    const counter = path.join(dir, "alias-attempts");
    writeFileSync(counter, "0");
    writeFileSync(
      path.join(dir, "mc"),
      [
        "#!/bin/sh",
        `echo "$*" >> '${log}'`,
        'case "$1 $2" in',
        `  "alias set") n=$(( $(cat '${counter}') + 1 )); echo "$n" > '${counter}'; [ "$n" -gt ${fake.notReadyFor ?? 0} ] || { echo "mc: <ERROR> connection refused" >&2; exit 1; } ;;`,
        '  "admin policy")',
        `    if [ "$3" = attach ] && printf '%s\\n' ${(fake.attached ?? []).map((p) => `'${p}'`).join(" ")} | grep -qx "$5"; then`,
        `      echo "mc: <ERROR> Unable to make user/group policy association. ${fake.attachError ?? "The specified policy change is already in effect."}" >&2; exit 1`,
        "    fi ;;",
        '  "ilm rule")',
        `    if [ "$3" = ls ] && [ '${fake.lifecycle ?? "set"}' = none ]; then echo "mc: <ERROR> Unable to ls lifecycle configuration. lifecycle configuration not set" >&2; exit 1; fi`,
        `    if [ "$3" = ls ] && [ '${fake.lifecycle ?? "set"}' = error ]; then echo "mc: <ERROR> Unable to get lifecycle. Access Denied." >&2; exit 1; fi ;;`,
        "esac",
        "exit 0",
        "",
      ].join("\n"),
    );
    writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\nexit 0\n");
    chmodSync(path.join(dir, "mc"), 0o755);
    chmodSync(path.join(dir, "sleep"), 0o755);
    const run = spawnSync("sh", ["-c", renderBootstrapScript(BUCKETS)], {
      env: { PATH: `${dir}:/usr/bin:/bin`, ...env },
      encoding: "utf8",
    });
    const calls = readFileSync(log, { flag: "a+", encoding: "utf8" }).split("\n").filter(Boolean);
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ENV: Record<string, string> = {
  OBJECT_STORE_URL: "http://minio.ferrum.svc.cluster.local:9000",
  MINIO_ROOT_USER: "rootuser",
  MINIO_ROOT_PASSWORD: "rootpassword",
  ...Object.fromEntries(
    BUCKETS.flatMap(({ service }) =>
      ["A", "B"].flatMap((slot) => [
        [`FERRUM_${service.toUpperCase()}_${slot}_ACCESS_KEY_ID`, `AK${service.toUpperCase()}${slot}`],
        [`FERRUM_${service.toUpperCase()}_${slot}_SECRET_ACCESS_KEY`, `sk-${service}-${slot.toLowerCase()}`],
      ]),
    ),
  ),
};

describe("the bootstrap script, run against a stand-in mc", () => {
  test("waits for the server, then creates each bucket, policy and user with the keys from env", () => {
    const r = runScript(ENV, { notReadyFor: 2 });
    expect(r.stderr).toContain("connection refused");
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("alias set"))).toEqual(
      Array(3).fill("alias set ferrum http://minio.ferrum.svc.cluster.local:9000 rootuser rootpassword"),
    );
    expect(r.calls).toContain("mb --ignore-existing ferrum/ferrum-dev-catalog");
    expect(r.calls).toContain("version enable ferrum/ferrum-dev-catalog");
    expect(r.calls).toContain("admin policy create ferrum ferrum-dev-catalog-rw /policies/catalog.json");
    expect(r.calls).toContain("admin user add ferrum AKCATALOGA sk-catalog-a");
    expect(r.calls).toContain("admin policy attach ferrum ferrum-dev-catalog-rw --user AKCATALOGA");
    expect(r.calls).toContain("admin user add ferrum AKCATALOGB sk-catalog-b");
    expect(r.calls).toContain("admin policy attach ferrum ferrum-dev-catalog-rw --user AKCATALOGB");
    expect(r.calls).toContain("anonymous set-json /policies/catalog.public.json ferrum/ferrum-dev-catalog");
    expect(r.stdout).not.toContain("sk-");
  });

  test("a second run, with every policy already attached, succeeds", () => {
    const r = runScript(ENV, { attached: BUCKETS.map((b) => `${b.bucket}-rw`) });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("admin policy attach"))).toHaveLength(2 * BUCKETS.length);
  });

  test("any other failure to attach a policy fails the run", () => {
    const r = runScript(ENV, {
      attached: ["ferrum-dev-auth-rw"],
      attachError: "The specified user does not exist.",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("The specified user does not exist.");
    expect(r.calls).not.toContain("mb --ignore-existing ferrum/ferrum-dev-catalog");
  });

  test("gives up after five minutes of a server that never answers", () => {
    const r = runScript(ENV, { notReadyFor: 1000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "object store at http://minio.ferrum.svc.cluster.local:9000 not ready after 5 minutes",
    );
    expect(r.calls.filter((c) => c.startsWith("alias set"))).toHaveLength(60);
  });

  test("on buckets with a lifecycle rule, replaces it: removes every rule, then adds the one", () => {
    const r = runScript(ENV, { lifecycle: "set" });
    expect(r.status).toBe(0);
    const ilm = r.calls.filter((c) => c.startsWith("ilm ") && c.endsWith("ferrum/ferrum-dev-catalog"));
    expect(ilm).toEqual([
      "ilm rule ls ferrum/ferrum-dev-catalog",
      "ilm rule rm --all --force ferrum/ferrum-dev-catalog",
      "ilm rule add --noncurrent-expire-days 90 ferrum/ferrum-dev-catalog",
    ]);
  });

  test("on buckets without one (mc: lifecycle configuration not set), adds the rule without removing", () => {
    const r = runScript(ENV, { lifecycle: "none" });
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("ilm rule rm"))).toEqual([]);
    expect(r.calls.filter((c) => c.startsWith("ilm rule add"))).toHaveLength(BUCKETS.length);
  });

  test("any other failure to read the lifecycle stops the run before a rule is added", () => {
    const r = runScript(ENV, { lifecycle: "error" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Unable to get lifecycle. Access Denied.");
    expect(r.calls.filter((c) => c.startsWith("ilm rule add"))).toEqual([]);
  });

  test("stops before touching a bucket when a service's key is missing", () => {
    const env = Object.fromEntries(
      Object.entries(ENV).filter(([k]) => k !== "FERRUM_USER_B_SECRET_ACCESS_KEY"),
    );
    const r = runScript(env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("FERRUM_USER_B_SECRET_ACCESS_KEY");
    expect(r.calls).not.toContain("mb --ignore-existing ferrum/ferrum-dev-user");
  });
});
