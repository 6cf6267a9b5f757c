/**
 * Every value the mock runtime invents, in one place: what providers would compute (ids, endpoints,
 * generated passwords) and what provider functions answer. Values are fixed and realistic, and outputs a
 * provider marks secret are returned inside the secret envelope, as the engine would mark them.
 *
 * An unknown provider function is an error: a silently empty answer would hide a missing fixture.
 */
import { createHash } from "crypto";
import { awsCall, awsOutputs, azureCall, azureOutputs } from "./cloud-fixtures";
import { autoNameSuffix, secretEnvelope } from "./envelope";

/** A fixed, realistic generated secret: same logical name, same value; different names never collide. */
export function fixedSecret(
  name: string,
  length = 32,
  alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789",
): string {
  let out = "";
  for (let block = 0; out.length < length; block++) {
    for (const byte of createHash("sha512").update(`ferrum-plan:${name}:${block}`).digest())
      out += alphabet[byte % alphabet.length];
  }
  return out.slice(0, length);
}

type Outputs = Record<string, unknown>;
type Inputs = Record<string, unknown>;

function kubernetesOutputs(type: string, name: string, inputs: Inputs): Outputs {
  if (type === "pulumi:providers:kubernetes") return { ...inputs };
  const metadata = { ...((inputs.metadata as Inputs | undefined) ?? {}) };
  if (metadata.name === undefined && metadata.generateName === undefined) {
    // Pulumi auto-names: `<logical name>-<8 random characters>`; the plan fixes the characters.
    metadata.name = `${name}-${autoNameSuffix(name)}`;
  }
  return { ...inputs, metadata };
}

function randomOutputs(type: string, name: string, inputs: Inputs): Outputs {
  const length = typeof inputs.length === "number" ? inputs.length : 32;
  switch (type) {
    case "random:index/randomPassword:RandomPassword": {
      const alphabet =
        inputs.special === false ? undefined : "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789-_";
      // A change of keepers replaces the password with a new value (rotation): the seed carries them, and a
      // password without keepers keeps the value it always had.
      const keepers = inputs.keepers as Record<string, unknown> | undefined;
      const seed = keepers && Object.keys(keepers).length ? `${name}:${JSON.stringify(keepers)}` : name;
      const result = fixedSecret(seed, length, alphabet);
      return {
        ...inputs,
        result: secretEnvelope(result),
        bcryptHash: secretEnvelope(`$2a$10$${fixedSecret(`${name}-bcrypt`, 53)}`),
      };
    }
    case "random:index/randomString:RandomString":
      return { ...inputs, result: fixedSecret(name, length, "abcdefghijklmnopqrstuvwxyz0123456789") };
    case "random:index/randomId:RandomId": {
      const byteLength = typeof inputs.byteLength === "number" ? inputs.byteLength : 8;
      const hex = createHash("sha256")
        .update(name)
        .digest("hex")
        .slice(0, byteLength * 2);
      return {
        ...inputs,
        hex,
        b64Url: Buffer.from(hex, "hex").toString("base64url"),
        dec: BigInt(`0x${hex}`).toString(),
      };
    }
    default:
      return { ...inputs };
  }
}

/** What the provider would answer for a newly created resource. */
export function providerOutputs(type: string, name: string, inputs: Inputs, _stack: string): Outputs {
  const cloud = awsOutputs(type, name, inputs) ?? azureOutputs(type, name, inputs);
  if (cloud) return cloud;
  if (type.startsWith("kubernetes:") || type === "pulumi:providers:kubernetes")
    return kubernetesOutputs(type, name, inputs);
  if (type.startsWith("random:")) return randomOutputs(type, name, inputs);
  return { ...inputs };
}

/** Answers provider functions; unknown tokens are an error naming the token. */
export function answerCall(token: string, inputs: Inputs): Outputs {
  const cloud = awsCall(token, inputs) ?? azureCall(token, inputs);
  if (cloud) return cloud;
  switch (token) {
    default:
      throw new Error(
        `mock runtime: no fixture for provider function ${token}; add one to harness/fixtures.ts`,
      );
  }
}
