/**
 * The service keys `docker stack deploy` does not apply, so docker-stack.yml must not rely on any of them.
 * swarm.ts refuses to write a stack that has one, and the tests check the committed file against this list.
 *
 * Sources, read for Docker Engine 23 (the first whose `docker stack deploy` runs jobs) through 29:
 * - docker/cli v29.7.2, cli/compose/types/types.go: `UnsupportedProperties` (printed as "Ignoring unsupported
 *   options"), `DeprecatedProperties` ("Ignoring deprecated options") and `ForbiddenProperties` (the deploy
 *   fails); cli/compose/convert/service.go, which builds the Swarm service spec and never reads `depends_on` or
 *   `tmpfs`, and reads `restart` only when `deploy.restart_policy` is absent.
 * - Docker's "Compose file version 3 reference" (docs.docker.com, docker/docs
 *   compose/compose-file/compose-file-v3.md), "Not supported for docker stack deploy" and the per-key notes.
 *   That page still calls `cap_add`, `cap_drop` and `sysctls` ignored; docker/cli converts them since 20.10 and
 *   19.03 (CONVERTED_DESPITE_DOCS), so they are not on the list.
 * - `env_file` and `.env`: docker-compose reads `.env` for interpolation; `docker stack deploy` reads no `.env`
 *   and interpolates from the deploying shell only, and folds `env_file` into the environment on the client.
 */

export interface IgnoredKey {
  readonly key: string;
  /** What Swarm does with it. */
  readonly swarm: "ignored" | "ignored with a warning" | "refused";
  /** What the stack does instead (`-`: nothing, the key has no Swarm form). */
  readonly instead: string;
}

const key = (k: string, swarm: IgnoredKey["swarm"], instead: string): IgnoredKey => ({
  key: k,
  swarm,
  instead,
});

export const SWARM_IGNORED_KEYS: readonly IgnoredKey[] = [
  // UnsupportedProperties
  key("build", "ignored with a warning", "images come from a registry"),
  key("cgroupns_mode", "ignored with a warning", "-"),
  key("cgroup_parent", "ignored with a warning", "-"),
  key("devices", "ignored with a warning", "-"),
  key("domainname", "ignored with a warning", "-"),
  key("external_links", "ignored with a warning", "the overlay network's service names"),
  key("ipc", "ignored with a warning", "-"),
  key("links", "ignored with a warning", "the overlay network's service names"),
  key("mac_address", "ignored with a warning", "-"),
  key("network_mode", "ignored with a warning", "the stack's overlay network"),
  key("pid", "ignored with a warning", "-"),
  key("privileged", "ignored with a warning", "-"),
  key("restart", "ignored with a warning", "deploy.restart_policy"),
  key("security_opt", "ignored with a warning", "cap_drop and a non-root user (no Swarm no-new-privileges)"),
  key("shm_size", "ignored with a warning", "-"),
  key("userns_mode", "ignored with a warning", "-"),
  // DeprecatedProperties
  key("container_name", "ignored with a warning", "Swarm names the tasks"),
  key("expose", "ignored with a warning", "the overlay network reaches every port"),
  // Read by the loader, never by the converter
  key("depends_on", "ignored", "restart policies: a service retries until what it needs is up"),
  key("tmpfs", "ignored", "a volume of type tmpfs"),
  key("env_file", "ignored", "environment (the loader folds env_file into it on the client anyway)"),
  // ForbiddenProperties: the deploy fails
  key("extends", "refused", "-"),
  key("volume_driver", "refused", "a top-level volume's driver"),
  key("volumes_from", "refused", "a named volume"),
  key("cpu_quota", "refused", "deploy.resources"),
  key("cpu_shares", "refused", "deploy.resources"),
  key("cpuset", "refused", "deploy.resources"),
  key("mem_limit", "refused", "deploy.resources"),
  key("memswap_limit", "refused", "deploy.resources"),
];

/** Keys the v3 reference page calls ignored that docker/cli converts into the service spec (see above). */
export const CONVERTED_DESPITE_DOCS = ["cap_add", "cap_drop", "sysctls"] as const;

/**
 * Every key a service may have in the v3.10 schema (docker/cli v29.7.2, cli/compose/schema/data/
 * config_schema_v3.10.json, `definitions.service.properties`), which `docker stack deploy` validates the file
 * against: any other key fails the deploy. docker-stack.yml declares version 3.10, the newest Engine 23 knows.
 */
export const V3_10_SERVICE_KEYS: readonly string[] = [
  "build",
  "cap_add",
  "cap_drop",
  "cgroup_parent",
  "cgroupns_mode",
  "command",
  "configs",
  "container_name",
  "credential_spec",
  "depends_on",
  "deploy",
  "devices",
  "dns",
  "dns_search",
  "domainname",
  "entrypoint",
  "env_file",
  "environment",
  "expose",
  "external_links",
  "extra_hosts",
  "healthcheck",
  "hostname",
  "image",
  "init",
  "ipc",
  "isolation",
  "labels",
  "links",
  "logging",
  "mac_address",
  "network_mode",
  "networks",
  "pid",
  "ports",
  "privileged",
  "read_only",
  "restart",
  "secrets",
  "security_opt",
  "shm_size",
  "stdin_open",
  "stop_grace_period",
  "stop_signal",
  "sysctls",
  "tmpfs",
  "tty",
  "ulimits",
  "user",
  "userns_mode",
  "volumes",
  "working_dir",
];

/** Keys of one parsed service that Swarm would not apply. */
export function ignoredKeysOf(service: Readonly<Record<string, unknown>>): IgnoredKey[] {
  return SWARM_IGNORED_KEYS.filter((k) => Object.prototype.hasOwnProperty.call(service, k.key));
}

const VERB: Record<IgnoredKey["swarm"], string> = {
  ignored: "ignores it",
  "ignored with a warning": "ignores it, with a warning",
  refused: "refuses the file",
};

/**
 * What `docker stack deploy` would not apply of each service of `services` (a parsed stack's `services`): keys it
 * ignores or refuses, and keys the v3.10 schema does not know. Empty when every key takes effect.
 */
export function swarmKeyProblems(
  services: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): string[] {
  const problems: string[] = [];
  for (const [name, svc] of Object.entries(services)) {
    for (const k of ignoredKeysOf(svc))
      problems.push(
        `services.${name}.${k.key}: docker stack deploy ${VERB[k.swarm]}; ${k.instead === "-" ? "remove it" : `use ${k.instead}`}`,
      );
    const named = new Set(ignoredKeysOf(svc).map((k) => k.key));
    for (const k of Object.keys(svc))
      if (!named.has(k) && !V3_10_SERVICE_KEYS.includes(k) && !k.startsWith("x-"))
        problems.push(
          `services.${name}.${k}: not a key of the v3.10 schema; docker stack deploy rejects the file`,
        );
  }
  return problems;
}
