/** EcrRegistry: a component like Azure's AcrRegistry, refusing a cache it cannot log in to before anything registers. */
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../config";
import { EcrRegistry, type EcrRegistryArgs } from "../../components/aws/registry";
import { REQUIRED_CONFIG } from "../helpers/config";
import { underMocks } from "../helpers/pulumi";
import { expectArgumentsRefused } from "../helpers/refusals";

const config = parseConfig(REQUIRED_CONFIG.aws, "prod").config!;
const cache = config.images.cache!;

const args = (extra: Partial<EcrRegistryArgs> = {}): EcrRegistryArgs => ({
  services: config.services,
  cache,
  login: { username: "ferrum-ci", password: pulumi.secret("ghcr-token") },
  region: "eu-central-1",
  stackName: "ferrum-prod",
  tags: {},
  protect: true,
  ...extra,
});

describe("EcrRegistry", () => {
  test("a cache that authenticates without a login is refused before anything registers", async () => {
    await expectArgumentsRefused(
      () => new EcrRegistry("ecr", args({ cache: { ...cache, authenticated: true }, login: undefined })),
      "EcrRegistry ecr",
      [`the cache of ${cache.upstream.host} authenticates, but no login was given`],
    );
  });

  test("its repositories and cache rule are its children, each aliased to the stack's root where it was made before", async () => {
    const { registrations: r } = await underMocks(() => new EcrRegistry("ecr", args()));
    const component = r.get("ferrum:aws:Registry", "ecr");
    const children = r.resources.filter(
      (x) =>
        x.type === "aws:ecr/repository:Repository" ||
        x.type === "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
    );
    expect(children.map((c) => c.name).sort()).toEqual(
      [...config.services.map((s) => `ecr-${s.name}`), `ecr-${cache.upstream.prefix}`].sort(),
    );
    for (const c of children) {
      expect(c.parent).toBe(component.urn);
      expect(c.options.aliases).toHaveLength(1);
    }
  });
});
