#!/usr/bin/env node
/**
 * A stand-in for the MinIO client `mc` and the server's identity store behind it, for the object-store rotation
 * proof (the MinIO binaries are not installable here): exactly the commands the rendered bootstrap script runs,
 * each with the form of mc RELEASE.2025-08-13T08-35-41Z, acting on a JSON file ($MC_CONFIG_DIR/iam.json) as the
 * server (RELEASE.2025-09-07) would on its IAM store. Anything else fails (exit 64), so the script cannot drift
 * to a form nobody modelled. Every call is appended to $MC_STAND_IN_LOG.
 *
 * What it models, from the server's source, and nothing more:
 *   - `mc admin user add ALIAS ACCESS SECRET`: `IAMSys.CreateUser` (cmd/iam.go) refuses an access key shorter
 *     than 3 characters or a secret shorter than 8, and otherwise "if user already exists [it shall] be
 *     rewritten with new inputs": `IAMStoreSys.AddUser` (cmd/iam-store.go) stores the secret key and the status
 *     (enabled) and touches no policy mapping, and no other user.
 *   - `mc admin policy attach ALIAS POLICY --user ACCESS`: the user and the policy must exist; a mapping that
 *     exists already is refused with "The specified policy change is already in effect." (which the script
 *     takes as success).
 *   - `mc admin policy create`, `mc mb --ignore-existing`, `mc version enable`, `mc ilm rule ls|rm|add`,
 *     `mc anonymous set-json`: recorded, so the proof can see what the script did to each bucket.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const args = process.argv.slice(2);
if (process.env.MC_STAND_IN_LOG) fs.appendFileSync(process.env.MC_STAND_IN_LOG, `${args.join(" ")}\n`);
const configDir = process.env.MC_CONFIG_DIR;

function fail(message, code = 1) {
  process.stderr.write(`mc: <ERROR> ${message}\n`);
  process.exit(code);
}
if (!configDir) fail("MC_CONFIG_DIR is not set (the bootstrap Job always sets it)", 64);

const stateFile = path.join(configDir, "iam.json");
const load = () =>
  fs.existsSync(stateFile)
    ? JSON.parse(fs.readFileSync(stateFile, "utf8"))
    : { alias: null, users: {}, policies: {}, mappings: {}, buckets: {} };
const save = (state) => {
  fs.mkdirSync(configDir, { recursive: true });
  // Written beside, then renamed: a reader never sees half a file.
  fs.writeFileSync(`${stateFile}.part`, JSON.stringify(state, null, 2));
  fs.renameSync(`${stateFile}.part`, stateFile);
};
const state = load();
const done = () => {
  save(state);
  process.exit(0);
};

/** ALIAS/BUCKET -> the bucket, after checking the alias is the one set. */
function bucketOf(target) {
  const [alias, bucket, ...rest] = target.split("/");
  if (!state.alias || alias !== state.alias.name || !bucket || rest.length)
    fail(`unknown alias or not a bucket: ${target}`, 64);
  return bucket;
}
function existingBucket(target) {
  const bucket = bucketOf(target);
  if (!state.buckets[bucket]) fail(`Unable to use ${target}. Bucket \`${bucket}\` does not exist.`);
  return state.buckets[bucket];
}
const join = (...words) => words.join(" ");
const is = (...words) => join(...args.slice(0, words.length)) === join(...words);

if (is("alias", "set") && args.length === 6) {
  const [, , name, url, user, password] = args;
  state.alias = { name, url, user, password };
  done();
}
if (is("ready") && args.length === 2) {
  if (!state.alias || args[1] !== state.alias.name) fail(`unknown alias ${args[1]}`);
  process.exit(0);
}
if (is("mb", "--ignore-existing") && args.length === 3) {
  const bucket = bucketOf(args[2]);
  state.buckets[bucket] = state.buckets[bucket] ?? { versioning: false, lifecycle: [], anonymous: null };
  done();
}
if (is("version", "enable") && args.length === 3) {
  existingBucket(args[2]).versioning = true;
  done();
}
if (is("ilm", "rule", "ls") && args.length === 4) {
  const b = existingBucket(args[3]);
  if (b.lifecycle.length === 0) fail("Unable to ls lifecycle configuration. lifecycle configuration not set");
  process.stdout.write(`${b.lifecycle.join("\n")}\n`);
  process.exit(0);
}
if (is("ilm", "rule", "rm", "--all", "--force") && args.length === 6) {
  existingBucket(args[5]).lifecycle = [];
  done();
}
if (is("ilm", "rule", "add") && args.length >= 5) {
  existingBucket(args[args.length - 1]).lifecycle.push(args.slice(3, -1).join(" "));
  done();
}
if (is("admin", "policy", "create") && args.length === 6) {
  const [, , , alias, name, file] = args;
  if (!state.alias || alias !== state.alias.name) fail(`unknown alias ${alias}`);
  state.policies[name] = JSON.parse(fs.readFileSync(file, "utf8"));
  done();
}
if (is("admin", "user", "add") && args.length === 6) {
  const [, , , alias, accessKey, secretKey] = args;
  if (!state.alias || alias !== state.alias.name) fail(`unknown alias ${alias}`);
  if (accessKey.length < 3) fail("Unable to add new user. Access key length should be at least 3 characters");
  if (secretKey.length < 8) fail("Unable to add new user. Secret key length should be at least 8 characters");
  state.users[accessKey] = { secretKey, status: "enabled" };
  done();
}
if (is("admin", "policy", "attach") && args.length === 7 && args[5] === "--user") {
  const [, , , alias, policy, , user] = args;
  if (!state.alias || alias !== state.alias.name) fail(`unknown alias ${alias}`);
  if (!state.users[user])
    fail("Unable to make user/group policy association. The specified user does not exist.");
  if (!state.policies[policy])
    fail("Unable to make user/group policy association. The canned policy does not exist.");
  const mapped = state.mappings[user] ?? [];
  if (mapped.includes(policy))
    fail("Unable to make user/group policy association. The specified policy change is already in effect.");
  state.mappings[user] = [...mapped, policy];
  done();
}
if (is("anonymous", "set-json") && args.length === 4) {
  existingBucket(args[3]).anonymous = JSON.parse(fs.readFileSync(args[2], "utf8"));
  done();
}

fail(`the stand-in does not implement: mc ${args.join(" ")}`, 64);
