#!/usr/bin/env node
/**
 * A stand-in for the MinIO client `mc` (not installable here), for the backup proofs: the subset of its command
 * line the backup scripts use, each form checked against mc RELEASE.2025-08-13T08-35-41Z's own commands
 * (cmd/alias-set.go, cmd/ls-main.go, cmd/cp-main.go, cmd/cat-main.go), and nothing else. Anything it does not
 * know fails (exit 64), so a script cannot drift to a form nobody checked.
 *
 * The S3 requests are made by curl (`--aws-sigv4`, SigV4 as mc signs), a real client, against whatever server
 * the alias names (in the tests, the @20minutes s3rver, which checks every signature). Every call is appended to
 * $MC_STAND_IN_LOG. Configuration lives under $MC_CONFIG_DIR, as mc keeps its own there.
 *
 *   mc alias set ALIAS URL ACCESS_KEY SECRET_KEY --api s3v4 --path on
 *   mc ls ALIAS/BUCKET/[PREFIX/]          one line per object or prefix, the name last, as mc prints it
 *   mc cp --quiet SOURCE TARGET           a local file to ALIAS/BUCKET/KEY, or back
 *   mc cat ALIAS/BUCKET/KEY               the object to stdout
 */
"use strict";
const { createHash } = require("node:crypto");
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { Buffer } = require("node:buffer");

const CURL = process.env.MC_STAND_IN_CURL || "/usr/bin/curl";
const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");

function fail(message, code = 1) {
  process.stderr.write(`mc: <ERROR> ${message}\n`);
  process.exit(code);
}

const args = process.argv.slice(2);
if (process.env.MC_STAND_IN_LOG) fs.appendFileSync(process.env.MC_STAND_IN_LOG, `${args.join(" ")}\n`);
const configDir = process.env.MC_CONFIG_DIR;
if (!configDir) fail("MC_CONFIG_DIR is not set (the scripts' Jobs always set it)", 64);
const aliasFile = path.join(configDir, "stand-in-aliases.json");
const aliases = () => (fs.existsSync(aliasFile) ? JSON.parse(fs.readFileSync(aliasFile, "utf8")) : {});

/** ALIAS/BUCKET/KEY -> the alias's settings, the bucket and the key (maybe empty). */
function remote(target) {
  const [alias, bucket, ...rest] = target.split("/");
  const settings = aliases()[alias];
  if (!settings || !bucket) return undefined;
  return { ...settings, bucket, key: rest.join("/") };
}

/**
 * One signed request with curl: its HTTP status, and its body written to `output` (a temp file by default).
 * `query` is sent sorted by name: SigV4 signs the query sorted, and curl 7.88 (Debian 12's) signs it in the order
 * given (curl/curl#9717), so an unsorted query gets a signature no server accepts. A request to the bucket itself
 * (an empty key) goes to `/BUCKET`, as boto3 sends it: mc sends `/BUCKET/`, which S3 and MinIO take alike, but the
 * @20minutes s3rver computes the signature of a bucket's path without its trailing slash and refuses that form.
 */
function request(r, { method = "GET", query = {}, body, output } = {}) {
  const object = r.key ? `/${r.key.split("/").map(encodeURIComponent).join("/")}` : "";
  const params = Object.entries(query)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  const url = `${r.url.replace(/\/$/, "")}/${r.bucket}${object}${params.length ? `?${params.join("&")}` : ""}`;
  const sha =
    body === undefined ? EMPTY_SHA256 : createHash("sha256").update(fs.readFileSync(body)).digest("hex");
  const file = output ?? path.join(configDir, `response-${process.pid}`);
  const curlArgs = [
    "--silent",
    "--show-error",
    "--aws-sigv4",
    "aws:amz:us-east-1:s3",
    "--user",
    `${r.accessKey}:${r.secretKey}`,
    "--header",
    `x-amz-content-sha256: ${sha}`,
    "--request",
    method,
    "--write-out",
    "%{http_code}",
    "--output",
    file,
    ...(body === undefined ? [] : ["--upload-file", body]),
    url,
  ];
  const run = spawnSync(CURL, curlArgs, { encoding: "utf8" });
  if (run.status !== 0) fail(`curl failed (${run.status}): ${run.stderr}`);
  const status = Number(run.stdout);
  const content = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
  if (!output) fs.rmSync(file, { force: true });
  return { status, body: content };
}

const xmlText = (body) => body.toString("utf8");
const s3Error = (res) => {
  const xml = xmlText(res.body);
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? `HTTP ${res.status}`;
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? "";
  return `${code}: ${message}`;
};

const [command, ...rest] = args;
const flags = rest.filter((a) => a.startsWith("--"));
const operands = rest.filter((a) => !a.startsWith("--"));

if (command === "alias" && operands[0] === "set") {
  // mc alias set ALIAS URL ACCESSKEY SECRETKEY --api s3v4 --path on
  const positional = rest.filter(
    (a, i, all) => !a.startsWith("--") && all[i - 1] !== "--api" && all[i - 1] !== "--path",
  );
  const [, alias, url, accessKey, secretKey, ...extra] = positional;
  const api = rest[rest.indexOf("--api") + 1];
  const pathStyle = rest[rest.indexOf("--path") + 1];
  if (!alias || !url || !accessKey || !secretKey || extra.length || api !== "s3v4" || pathStyle !== "on") {
    fail(
      `stand-in knows only: alias set ALIAS URL ACCESS SECRET --api s3v4 --path on (got ${args.join(" ")})`,
      64,
    );
  }
  fs.mkdirSync(configDir, { recursive: true });
  fs.writeFileSync(aliasFile, JSON.stringify({ ...aliases(), [alias]: { url, accessKey, secretKey } }));
  process.exit(0);
}

if (command === "ls" && operands.length === 1 && flags.length === 0) {
  const r = remote(operands[0]);
  if (!r) fail(`unknown alias or no bucket in ${operands[0]}`);
  const res = request({ ...r, key: "" }, { query: { "list-type": "2", delimiter: "/", prefix: r.key } });
  if (res.status !== 200) fail(`Unable to list ${operands[0]}. ${s3Error(res)}`);
  const xml = xmlText(res.body);
  for (const m of xml.matchAll(/<CommonPrefixes><Prefix>([^<]*)<\/Prefix><\/CommonPrefixes>/g)) {
    process.stdout.write(`[0000-00-00 00:00:00 UTC]     0B ${m[1].slice(r.key.length)}\n`);
  }
  for (const m of xml.matchAll(/<Contents><Key>([^<]*)<\/Key>.*?<Size>(\d+)<\/Size>/g)) {
    process.stdout.write(`[0000-00-00 00:00:00 UTC] ${m[2]}B ${m[1].slice(r.key.length)}\n`);
  }
  process.exit(0);
}

if (command === "cp" && operands.length === 2 && flags.every((f) => f === "--quiet")) {
  const [source, target] = operands;
  const from = remote(source);
  const to = remote(target);
  if (!from && to) {
    if (!fs.existsSync(source)) fail(`Unable to read from ${source}: no such file`);
    const res = request(to, { method: "PUT", body: source });
    if (res.status !== 200) fail(`Failed to copy ${source}. ${s3Error(res)}`);
  } else if (from && !to) {
    const temp = `${target}.stand-in-part`;
    const res = request(from, { output: temp });
    if (res.status !== 200) {
      fs.rmSync(temp, { force: true });
      fail(`Unable to read from ${source}. ${s3Error(res)}`);
    }
    fs.renameSync(temp, target);
  } else {
    fail(`stand-in copies only between a local file and an alias (got ${args.join(" ")})`, 64);
  }
  process.stdout.write(`\`${source}\` -> \`${target}\`\n`);
  process.exit(0);
}

if (command === "cat" && operands.length === 1 && flags.length === 0) {
  const r = remote(operands[0]);
  if (!r) fail(`unknown alias or no bucket in ${operands[0]}`);
  const res = request(r);
  if (res.status !== 200) fail(`Unable to read from ${operands[0]}. ${s3Error(res)}`);
  process.stdout.write(res.body);
  process.exit(0);
}

fail(`the stand-in does not implement: mc ${args.join(" ")}`, 64);
