/** Image references, the clouds' cacheable upstreams and pull secrets' documents (lib/images.ts). */
import {
  byTag,
  cachedImage,
  cacheableHosts,
  credentialsOf,
  dockerConfigJson,
  isUnder,
  parseImage,
  pullOf,
  upstreamFor,
} from "../../lib/images";

const D = `sha256:${"a".repeat(64)}`;

describe("parseImage", () => {
  test.each([
    ["ghcr.io/ferrum/auth-service:1.0.0", { host: "ghcr.io", path: "ferrum/auth-service", tag: "1.0.0" }],
    [
      `ghcr.io/ferrum/auth-service:1.0.0@${D}`,
      { host: "ghcr.io", path: "ferrum/auth-service", tag: "1.0.0", digest: D },
    ],
    [`ghcr.io/ferrum/auth-service@${D}`, { host: "ghcr.io", path: "ferrum/auth-service", digest: D }],
    ["localhost:5000/auth:1", { host: "localhost:5000", path: "auth", tag: "1" }],
    ["redis:7.4", { host: "docker.io", path: "library/redis", tag: "7.4" }],
    ["ferrum/auth-service:1", { host: "docker.io", path: "ferrum/auth-service", tag: "1" }],
  ])("%s", (ref, parts) => {
    expect(parseImage(ref)).toEqual(parts);
  });

  test("isUnder: under the registry's path only, on its host only", () => {
    expect(isUnder("ghcr.io/ferrum/auth-service:1", "ghcr.io/ferrum")).toBe(true);
    expect(isUnder("ghcr.io/other/auth-service:1", "ghcr.io/ferrum")).toBe(false);
    expect(isUnder("ghcr.io/ferrumx/auth-service:1", "ghcr.io/ferrum")).toBe(false);
    expect(isUnder("quay.io/ferrum/auth-service:1", "ghcr.io/ferrum")).toBe(false);
    expect(isUnder("ghcr.io/a/b:1", "ghcr.io")).toBe(true);
  });
});

describe("the clouds' caches", () => {
  test("ECR caches ghcr.io, Docker Hub and GitLab with a login, Quay, ECR Public and registry.k8s.io without; ACR no GitLab, MCR anonymously", () => {
    expect(cacheableHosts("aws")).toEqual([
      "ghcr.io",
      "docker.io",
      "registry.gitlab.com",
      "quay.io",
      "public.ecr.aws",
      "registry.k8s.io",
    ]);
    expect(cacheableHosts("azure")).toEqual([
      "ghcr.io",
      "docker.io",
      "quay.io",
      "public.ecr.aws",
      "registry.k8s.io",
      "mcr.microsoft.com",
    ]);
    expect(credentialsOf("aws", upstreamFor("aws", "ghcr.io")!)).toBe("required");
    expect(credentialsOf("azure", upstreamFor("azure", "ghcr.io")!)).toBe("optional");
    expect(credentialsOf("aws", upstreamFor("aws", "quay.io")!)).toBe("none");
    expect(upstreamFor("aws", "docker.io")!.ecr!.url).toBe("registry-1.docker.io");
    expect(upstreamFor("aws", "mcr.microsoft.com")).toBeUndefined();
    expect(upstreamFor("azure", "registry.gitlab.com")).toBeUndefined();
    expect(upstreamFor("aws", "registry.example.com")).toBeUndefined();
  });

  test("a cached image keeps its path, tag and digest under the cache's prefix; the warm-up pulls the tag alone", () => {
    const ghcr = upstreamFor("aws", "ghcr.io")!;
    const host = "123456789012.dkr.ecr.eu-central-1.amazonaws.com";
    expect(cachedImage(`ghcr.io/ferrum/auth-service:1.0.0@${D}`, host, ghcr)).toBe(
      `${host}/ghcr/ferrum/auth-service:1.0.0@${D}`,
    );
    expect(byTag(`${host}/ghcr/ferrum/auth-service:1.0.0@${D}`)).toBe(
      `${host}/ghcr/ferrum/auth-service:1.0.0`,
    );
    expect(
      pullOf(`ghcr.io/ferrum/auth-service:1.0.0@${D}`, { source: "ghcr.io/ferrum", upstream: ghcr }, host),
    ).toEqual({
      image: `${host}/ghcr/ferrum/auth-service:1.0.0@${D}`,
      warmup: `${host}/ghcr/ferrum/auth-service:1.0.0`,
    });
    // Outside the cached registry, or with nothing cached: as configured, nothing to warm.
    expect(pullOf(`reg.example.com/a@${D}`, { source: "ghcr.io/ferrum", upstream: ghcr }, host)).toEqual({
      image: `reg.example.com/a@${D}`,
    });
    expect(pullOf(`ghcr.io/ferrum/a:1@${D}`, undefined, host)).toEqual({ image: `ghcr.io/ferrum/a:1@${D}` });
    // Docker Hub's official images keep library/ under the cache, as ECR's documentation pulls them.
    const hub = upstreamFor("aws", "docker.io")!;
    expect(cachedImage("redis:7.4", host, hub)).toBe(`${host}/docker-hub/library/redis:7.4`);
  });
});

describe("dockerConfigJson", () => {
  test("one registry's login, with the auth field Docker and the kubelet read; Docker Hub under its v1 index", () => {
    expect(JSON.parse(dockerConfigJson("ghcr.io", "bot", "t0k:en"))).toEqual({
      auths: {
        "ghcr.io": {
          username: "bot",
          password: "t0k:en",
          auth: Buffer.from("bot:t0k:en").toString("base64"),
        },
      },
    });
    expect(Object.keys(JSON.parse(dockerConfigJson("docker.io", "u", "p")).auths)).toEqual([
      "https://index.docker.io/v1/",
    ]);
  });
});
