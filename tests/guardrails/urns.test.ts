/**
 * URN stability on fixture programs run under the mock runtime: a snapshot of a first version, then versions
 * that rename, move or re-parent resources, with and without aliases. Aliases reach the check exactly as the
 * SDK sends them to the engine.
 */
import * as s3 from "@pulumi/aws/s3";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { compareUrns, plannedUrns, snapshotOf, type UrnSnapshot } from "../../harness/guardrails/urns";
import { underMocks } from "../helpers/pulumi";

interface Version {
  /** Logical name of the bucket. @default "media-bucket" */
  bucketName?: string;
  /** Logical name of the ConfigMap. @default "media-config" */
  configName?: string;
  /** Bucket outside the component (a top-level resource). */
  bucketTopLevel?: boolean;
  /** The Store component inside a new Platform component. */
  wrapInPlatform?: boolean;
  bucketAliases?: (store: pulumi.Resource) => pulumi.Input<pulumi.Alias>[];
  storeAliases?: pulumi.Input<pulumi.Alias>[];
  extraBucket?: boolean;
}

class Platform extends pulumi.ComponentResource {
  constructor(name: string) {
    super("ferrum:index:Platform", name, {});
  }
}

class Store extends pulumi.ComponentResource {
  constructor(name: string, v: Version, opts: pulumi.ComponentResourceOptions) {
    super("ferrum:index:Store", name, {}, opts);
    const bucketOpts = {
      ...(v.bucketTopLevel ? {} : { parent: this }),
      ...(v.bucketAliases ? { aliases: v.bucketAliases(this) } : {}),
    };
    new s3.Bucket(v.bucketName ?? "media-bucket", { bucket: "ferrum-prod-media" }, bucketOpts);
    new k8s.core.v1.ConfigMap(
      v.configName ?? "media-config",
      { data: { BUCKET: "ferrum-prod-media" } },
      { parent: this },
    );
    if (v.extraBucket) new s3.Bucket("archive-bucket", { bucket: "ferrum-prod-archive" }, { parent: this });
  }
}

async function plan(v: Version = {}) {
  const { registrations } = await underMocks(
    () => {
      const parent = v.wrapInPlatform ? new Platform("platform") : undefined;
      new Store("media", v, {
        ...(parent ? { parent } : {}),
        ...(v.storeAliases ? { aliases: v.storeAliases } : {}),
      });
    },
    { stack: "prod" },
  );
  return plannedUrns(registrations.resources);
}

let snapshot: UrnSnapshot;
beforeAll(async () => {
  snapshot = snapshotOf("prod", await plan());
});

const BUCKET = "urn:pulumi:prod::ferrum::ferrum:index:Store$aws:s3/bucket:Bucket::media-bucket";
const REFRESH =
  "If it is meant to go, remove it on purpose and refresh the snapshot: npm run guardrails:urns -- --update prod";
const REPLACED =
  "Pulumi identifies resources by URN: `pulumi up` would create a new aws:s3/bucket:Bucket and delete the old one, " +
  "a replacement that loses its data (protect only turns that delete into an error).";

describe("the snapshot", () => {
  test("holds engine URNs, sorted, each with its type and whether it is stateful", () => {
    expect(snapshot.resources).toEqual([
      {
        urn: "urn:pulumi:prod::ferrum::ferrum:index:Store$aws:s3/bucket:Bucket::media-bucket",
        type: "aws:s3/bucket:Bucket",
        stateful: true,
      },
      {
        urn: "urn:pulumi:prod::ferrum::ferrum:index:Store$kubernetes:core/v1:ConfigMap::media-config",
        type: "kubernetes:core/v1:ConfigMap",
        stateful: false,
      },
      {
        urn: "urn:pulumi:prod::ferrum::ferrum:index:Store::media",
        type: "ferrum:index:Store",
        stateful: false,
      },
      {
        urn: "urn:pulumi:prod::ferrum::pulumi:pulumi:Stack::ferrum-prod",
        type: "pulumi:pulumi:Stack",
        stateful: false,
      },
    ]);
  });

  test("an unchanged program matches it", async () => {
    expect(compareUrns(snapshot, await plan())).toEqual({ failures: [], warnings: [] });
  });
});

describe("a stateful resource renamed", () => {
  test("without an alias fails, explaining the replacement and the alias that keeps it", async () => {
    expect(compareUrns(snapshot, await plan({ bucketName: "media-files" })).failures).toEqual([
      'prod: the URN of stateful aws:s3/bucket:Bucket "media-bucket" changed\n' +
        `  from ${BUCKET}\n` +
        "  to   urn:pulumi:prod::ferrum::ferrum:index:Store$aws:s3/bucket:Bucket::media-files\n" +
        `${REPLACED} Keep it by giving the new resource aliases: [{ name: "media-bucket" }]. ${REFRESH}`,
    ]);
  });

  test("with aliases: [{ name }] passes", async () => {
    const v = { bucketName: "media-files", bucketAliases: () => [{ name: "media-bucket" }] };
    expect(compareUrns(snapshot, await plan(v))).toEqual({ failures: [], warnings: [] });
  });
});

describe("a stateful resource moved out of its component", () => {
  test("without an alias fails and names the parent to alias", async () => {
    expect(compareUrns(snapshot, await plan({ bucketTopLevel: true })).failures).toEqual([
      'prod: the URN of stateful aws:s3/bucket:Bucket "media-bucket" changed\n' +
        `  from ${BUCKET}\n` +
        "  to   urn:pulumi:prod::ferrum::aws:s3/bucket:Bucket::media-bucket\n" +
        `${REPLACED} Keep it by giving the new resource aliases: [{ name: "media-bucket", parent: <the ferrum:index:Store "media" it belonged to> }]. ${REFRESH}`,
    ]);
  });

  test("with aliases: [{ parent: store }] passes", async () => {
    const v = { bucketTopLevel: true, bucketAliases: (store: pulumi.Resource) => [{ parent: store }] };
    expect(compareUrns(snapshot, await plan(v)).failures).toEqual([]);
  });
});

describe("a component wrapped in a new parent (every child's engine URN changes, though the mock's does not)", () => {
  test("without an alias fails for the bucket inside it", async () => {
    const planned = await plan({ wrapInPlatform: true });
    const moved =
      "urn:pulumi:prod::ferrum::ferrum:index:Platform$ferrum:index:Store$aws:s3/bucket:Bucket::media-bucket";
    expect(planned.map((p) => p.urn)).toContain(moved);
    expect(compareUrns(snapshot, planned).failures).toEqual([
      'prod: the URN of stateful aws:s3/bucket:Bucket "media-bucket" changed\n' +
        `  from ${BUCKET}\n` +
        `  to   ${moved}\n` +
        `${REPLACED} Keep it by giving the new resource aliases: [{ name: "media-bucket", parent: <the ferrum:index:Store "media" it belonged to> }]. ${REFRESH}`,
    ]);
  });

  test("an alias on the component (it used to be top-level) carries its children along", async () => {
    const v = { wrapInPlatform: true, storeAliases: [{ parent: pulumi.rootStackResource }] };
    expect(compareUrns(snapshot, await plan(v)).failures).toEqual([]);
  });

  test("a renamed child of a component that moved keeps its URN: its name alias is multiplied with the parent's alias", async () => {
    const v = {
      wrapInPlatform: true,
      storeAliases: [{ parent: pulumi.rootStackResource }],
      bucketName: "media-files",
      bucketAliases: () => [{ name: "media-bucket" }],
    };
    expect(compareUrns(snapshot, await plan(v)).failures).toEqual([]);
  });
});

describe("what is not a failure, and what the snapshot must learn", () => {
  test("a renamed ConfigMap (stateless) is a warning", async () => {
    expect(compareUrns(snapshot, await plan({ configName: "media-settings" }))).toEqual({
      failures: [],
      warnings: [
        'prod: kubernetes:core/v1:ConfigMap "media-config" moved to urn:pulumi:prod::ferrum::ferrum:index:Store$kubernetes:core/v1:ConfigMap::media-settings: ' +
          'Pulumi would replace it (aliases: [{ name: "media-config" }] keeps it); refresh the snapshot: npm run guardrails:urns -- --update prod',
      ],
    });
  });

  test("a new stateful resource fails until the snapshot records it", async () => {
    expect(compareUrns(snapshot, await plan({ extraBucket: true })).failures).toEqual([
      'prod: stateful aws:s3/bucket:Bucket "archive-bucket" (urn:pulumi:prod::ferrum::ferrum:index:Store$aws:s3/bucket:Bucket::archive-bucket) ' +
        "is not in the URN snapshot, so nothing guards its URN yet; record it: npm run guardrails:urns -- --update prod",
    ]);
  });
});
