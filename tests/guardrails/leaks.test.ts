/**
 * The secret-leak scan on fixture programs run under the mock runtime: a generated password copied out of its
 * secret into a ConfigMap and, base64-encoded, into an annotation; a config secret in a label; a password
 * URL-encoded in a stack output. Each leak is reported once, by the secret's origin, never by its value.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { collectSecrets, scanPlan, visibleTexts, type ScannedPlan } from "../../harness/guardrails/leaks";
import { underMocks } from "../helpers/pulumi";

const TOKEN = "tok_live/4f9a+2c71e0";
const CONFIG = { "ferrum:apiToken": TOKEN };
const PASSWORD = 'random:index/randomPassword:RandomPassword "db-password" outputs.result';

async function program(leak: boolean): Promise<ScannedPlan> {
  const { registrations } = await underMocks(
    () => {
      const password = new random.RandomPassword("db-password", { length: 32, special: false });
      const token = new pulumi.Config("ferrum").requireSecret("apiToken");
      // pulumi.unsecret is how a secret loses its protection; the compliant version keeps it in a Secret.
      const clear = leak ? pulumi.unsecret(password.result) : password.result;
      new k8s.core.v1.ConfigMap("settings", {
        metadata: {
          name: "settings",
          labels: { "ferrum.io/token": leak ? pulumi.unsecret(token) : "none" },
          annotations: { "ferrum.io/checksum": clear.apply((p) => Buffer.from(p).toString("base64")) },
        },
        data: leak ? { DB_PASSWORD: clear } : { DB_HOST: "postgres" },
      });
      new k8s.core.v1.Secret("credentials", {
        stringData: { DB_PASSWORD: password.result, API_TOKEN: token },
      });
    },
    { stack: "test", config: CONFIG, secretKeys: ["ferrum:apiToken"] },
  );
  return {
    resources: registrations.resources,
    outputs: [
      // A URL built from the token outside Pulumi's secret tracking: URL-encoded, still the token.
      {
        name: "apiUrl",
        secret: false,
        value: `https://api:${encodeURIComponent(TOKEN)}@api.ferrum.example.com/`,
      },
      { name: "apiToken", secret: true, value: TOKEN },
    ],
  };
}

test("a password in a ConfigMap and an annotation, a config secret in a label: every copy is found", async () => {
  const plan = await program(true);
  expect(collectSecrets(plan, CONFIG).map((s) => s.origin)).toEqual(
    expect.arrayContaining(["config ferrum:apiToken", PASSWORD]),
  );
  expect(scanPlan("test", plan, CONFIG)).toEqual([
    "test: the secret config ferrum:apiToken appears URL-encoded in stack output apiUrl",
    `test: the secret config ferrum:apiToken appears verbatim in kubernetes:core/v1:ConfigMap "settings" inputs.metadata.labels["ferrum.io/token"]`,
    `test: the secret ${PASSWORD} appears base64 in kubernetes:core/v1:ConfigMap "settings" inputs.metadata.annotations["ferrum.io/checksum"]`,
    `test: the secret ${PASSWORD} appears verbatim in kubernetes:core/v1:ConfigMap "settings" inputs.data.DB_PASSWORD`,
  ]);
});

test("the same program keeping its secrets secret has no leak, and nothing secret is scanned as visible", async () => {
  const plan = await program(false);
  expect(scanPlan("test", plan, CONFIG)).toEqual([
    // The non-secret stack output still carries the token: that is the one leak left.
    "test: the secret config ferrum:apiToken appears URL-encoded in stack output apiUrl",
  ]);
  expect(visibleTexts(plan).map((t) => t.where)).not.toContain(
    'kubernetes:core/v1:Secret "credentials" inputs.stringData.DB_PASSWORD',
  );
});

test("a secret hidden inside larger base64 text (a dockerconfigjson, a kubeconfig) is found too", () => {
  const secret = "s3cr3t-registry-password";
  const blob = Buffer.from(
    JSON.stringify({ auths: { "ghcr.io": { username: "ferrum", password: secret } } }),
  ).toString("base64");
  const plan: ScannedPlan = {
    resources: [
      {
        type: "random:index/randomPassword:RandomPassword",
        name: "registry",
        inputs: {},
        state: {
          result: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: secret },
        },
      },
      {
        type: "kubernetes:core/v1:ConfigMap",
        name: "registry",
        inputs: { data: { config: blob } },
        state: {},
      },
    ],
    outputs: [],
  };
  expect(scanPlan("test", plan, {})).toEqual([
    'test: the secret random:index/randomPassword:RandomPassword "registry" outputs.result appears inside base64 text in kubernetes:core/v1:ConfigMap "registry" inputs.data.config',
  ]);
});
