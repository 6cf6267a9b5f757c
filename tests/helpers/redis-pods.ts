/**
 * RedisHA's pods, as the offline plan describes them, run as real processes on loopback: every StatefulSet
 * whose containers run redis-server (the Redis groups and the Sentinels) and the Jobs beside them.
 *
 * Each pod gets what the kubelet would give it, taken from the plan and nothing else: its volumes (ConfigMaps and
 * Secrets written out as files, emptyDirs and volume claims as directories), the env of each container (values,
 * the downward API's pod name, Secret and ConfigMap keys, envFrom), its init containers run to completion, then
 * its container's command, and its probes' exec commands. Mount paths in commands, env values and probes become
 * the pod's directories. The only other change: every in-cluster `host:port` becomes 127.0.0.1 and a free port
 * (in the ConfigMaps' files too), and each pod's config template listens on its own port, bound to 127.0.0.1.
 *
 * A node reboot is `stopAll()` then `reboot()`: processes gone, in-memory emptyDirs (`medium: Memory`, tmpfs)
 * emptied, disk emptyDirs and volume claims kept, as after a reboot of the one k3s node.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { objectData, toLoopback, type K8sObject } from "./django";
import { type CommandResult } from "./postgres-server";
import { freePorts, LOOPBACK, ProcessGroup, runProbe, type ServerProcess } from "./redis-servers";

type VolumeKind = "configMap" | "secret" | "memory" | "emptyDir" | "claim";

interface Volume {
  readonly kind: VolumeKind;
  readonly dir: string;
  /** The ConfigMap or Secret it shows. */
  readonly source?: string;
}

/** One pod of a StatefulSet (or a Job's pod) on loopback. */
export interface Pod {
  readonly name: string;
  /** Its StatefulSet's name (`redis`, `redis-cache`, `redis-sentinel`), or the Job's. */
  readonly owner: string;
  readonly ordinal: number;
  readonly template: K8sObject;
  /** `<pod>.<headless>.<namespace>.svc.cluster.local`, the name the other pods know it by. */
  readonly clusterHost: string;
  readonly clusterPort: number;
  /** Its loopback port. */
  readonly port: number;
  readonly dir: string;
  readonly volumes: Map<string, Volume>;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether a StatefulSet or Job of the plan runs Redis: its containers' command starts with redis-server. */
const runsRedis = (o: K8sObject): boolean =>
  o.kind === "StatefulSet" &&
  (o.spec.template.spec.containers as K8sObject[]).some((c) => c.command?.[0] === "redis-server");

export class RedisPods {
  /** In-cluster `host:port` -> loopback port. */
  readonly endpoints = new Map<string, number>();
  readonly pods: Pod[] = [];
  private readonly servers = new Map<string, ServerProcess>();
  readonly group = new ProcessGroup();

  private constructor(
    private objects: readonly K8sObject[],
    readonly workDir: string,
  ) {}

  /** Places every pod of RedisHA's StatefulSets on a free loopback port and writes out its volumes. */
  static async fromPlan(objects: readonly K8sObject[], workDir: string): Promise<RedisPods> {
    const pods = new RedisPods(objects, workDir);
    const statefulSets = objects.filter(runsRedis);
    const count = statefulSets.reduce((n, s) => n + Number(s.spec.replicas), 0);
    const ports = await freePorts(count);
    for (const sts of statefulSets) {
      const container = sts.spec.template.spec.containers[0];
      const clusterPort = Number(container.ports[0].containerPort);
      for (let ordinal = 0; ordinal < Number(sts.spec.replicas); ordinal++) {
        const name = `${sts.metadata.name}-${ordinal}`;
        const clusterHost = `${name}.${sts.spec.serviceName}.${sts.metadata.namespace}.svc.cluster.local`;
        const port = ports.shift()!;
        pods.endpoints.set(`${clusterHost}:${clusterPort}`, port);
        pods.pods.push({
          name,
          owner: sts.metadata.name,
          ordinal,
          template: sts.spec.template,
          clusterHost,
          clusterPort,
          port,
          dir: path.join(workDir, name),
          volumes: new Map(),
        });
      }
    }
    for (const pod of pods.pods)
      pods.placeVolumes(
        pod,
        statefulSets.find((s) => s.metadata.name === pod.owner),
      );
    return pods;
  }

  /** The pod named `name`. */
  pod(name: string): Pod {
    const pod = this.pods.find((p) => p.name === name);
    if (!pod) throw new Error(`no pod ${name}; the plan has ${this.pods.map((p) => p.name).join(", ")}`);
    return pod;
  }

  /** The pods of one StatefulSet, by ordinal. */
  of(owner: string): Pod[] {
    return this.pods.filter((p) => p.owner === owner);
  }

  /** The running server of a pod. */
  server(name: string): ServerProcess {
    const server = this.servers.get(name);
    if (!server) throw new Error(`${name} is not running`);
    return server;
  }

  running(name: string): boolean {
    return this.servers.get(name)?.running ?? false;
  }

  private placeVolumes(pod: Pod, sts: K8sObject | undefined): void {
    const spec = pod.template.spec;
    for (const v of (spec.volumes ?? []) as K8sObject[]) {
      const kind: VolumeKind = v.configMap
        ? "configMap"
        : v.secret
          ? "secret"
          : v.emptyDir?.medium === "Memory"
            ? "memory"
            : "emptyDir";
      pod.volumes.set(v.name, {
        kind,
        dir: path.join(pod.dir, kind, v.name),
        ...(v.configMap ? { source: v.configMap.name } : v.secret ? { source: v.secret.secretName } : {}),
      });
    }
    for (const claim of (sts?.spec.volumeClaimTemplates ?? []) as K8sObject[]) {
      pod.volumes.set(claim.metadata.name, {
        kind: "claim",
        dir: path.join(pod.dir, "claim", claim.metadata.name),
      });
    }
    for (const v of pod.volumes.values()) mkdirSync(v.dir, { recursive: true });
    this.writeSources(pod);
  }

  /** Writes a pod's ConfigMap and Secret volumes from the current objects (the kubelet's refresh). */
  private writeSources(pod: Pod): void {
    for (const v of pod.volumes.values()) {
      if (v.kind !== "configMap" && v.kind !== "secret") continue;
      const kind = v.kind === "configMap" ? "ConfigMap" : "Secret";
      const object = this.objects.find((o) => o.kind === kind && o.metadata.name === v.source);
      if (!object) throw new Error(`${kind} ${v.source} of ${pod.name} is not in the plan`);
      rmSync(v.dir, { recursive: true, force: true });
      mkdirSync(v.dir, { recursive: true });
      for (const [key, value] of Object.entries(objectData(object))) {
        const content = v.kind === "configMap" ? this.forPod(pod, key, value) : value;
        writeFileSync(path.join(v.dir, key), content, { mode: 0o600 });
      }
    }
  }

  /** A ConfigMap file as this pod sees it: endpoints on loopback; a config template on its own port. */
  private forPod(pod: Pod, key: string, content: string): string {
    const moved = toLoopback(content, this.endpoints);
    return key.endsWith(".conf")
      ? moved.replace(/^port \d+$/m, `port ${pod.port}`).replace(/^bind .*$/m, `bind ${LOOPBACK}`)
      : moved;
  }

  /**
   * New plan objects (a later `pulumi up`): ConfigMap and Secret volumes of every pod are written afresh, as the
   * kubelet refreshes mounted ones in place; nothing restarts. A volume whose object is gone keeps its files.
   */
  update(objects: readonly K8sObject[]): void {
    this.objects = objects;
    for (const pod of this.pods) {
      const sts = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === pod.owner);
      const volumes = (sts?.spec.template.spec.volumes ?? []) as K8sObject[];
      for (const v of volumes) {
        const source = v.configMap?.name ?? v.secret?.secretName;
        const current = pod.volumes.get(v.name);
        if (source && current && current.source !== source) pod.volumes.set(v.name, { ...current, source });
      }
      this.writeSources(pod);
    }
  }

  /** Mount paths of `container` -> this pod's directories. */
  private mounts(pod: Pod, container: K8sObject): [string, string][] {
    return ((container.volumeMounts ?? []) as K8sObject[])
      .map((m): [string, string] => [m.mountPath, pod.volumes.get(m.name)!.dir])
      .sort((a, b) => b[0].length - a[0].length);
  }

  /** `text` with every mount path (at a word's start) replaced by its directory, in one pass. */
  private rewrite(text: string, mounts: readonly [string, string][]): string {
    if (!mounts.length) return text;
    const dirs = new Map(mounts);
    const alternatives = mounts.map(([m]) => escapeRegExp(m)).join("|");
    const pattern = new RegExp(`(^|[\\s'"=])(${alternatives})(?=[/'"\\s]|$)`, "g");
    return text.replace(
      pattern,
      (_m, before: string, mountPath: string) => `${before}${dirs.get(mountPath)}`,
    );
  }

  private secretKey(name: string, key: string): string {
    const object = this.objects.find((o) => o.kind === "Secret" && o.metadata.name === name);
    const value = object && objectData(object)[key];
    if (value === undefined) throw new Error(`Secret ${name} has no key ${key} in the plan`);
    return value;
  }

  /** The env of `container` in `pod`, mount paths rewritten, plus PATH. */
  env(pod: Pod, container: K8sObject): Record<string, string> {
    const mounts = this.mounts(pod, container);
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin" };
    for (const source of (container.envFrom ?? []) as K8sObject[]) {
      const [kind, ref] = source.secretRef
        ? ["Secret", source.secretRef]
        : ["ConfigMap", source.configMapRef];
      const object = this.objects.find((o) => o.kind === kind && o.metadata.name === ref.name);
      Object.assign(env, objectData(object!));
    }
    for (const e of (container.env ?? []) as K8sObject[]) {
      if (e.value !== undefined) env[e.name] = this.rewrite(String(e.value), mounts);
      else if (e.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[e.name] = pod.name;
      else if (e.valueFrom?.secretKeyRef)
        env[e.name] = this.secretKey(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
      else throw new Error(`${pod.name}: env ${e.name} has a source the emulation does not know`);
    }
    return env;
  }

  /** Runs the command of `container` to completion, as the kubelet would run an init container. */
  private execute(pod: Pod, container: K8sObject, timeoutMs: number): Promise<CommandResult> {
    const mounts = this.mounts(pod, container);
    const [command, ...args] = (container.command as string[]).map((a) => this.rewrite(a, mounts));
    const cwd = container.workingDir ? this.rewrite(container.workingDir, mounts) : pod.dir;
    return new Promise((resolve, reject) => {
      const child = spawn(command!, args, { env: this.env(pod, container), cwd, stdio: "pipe" });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
      child.stdin.end();
    });
  }

  /** Runs the pod's init containers in order; resolves with the last one's result, throws on a failure. */
  async init(name: string, timeoutMs = 180_000): Promise<CommandResult> {
    const pod = this.pod(name);
    let last: CommandResult = { code: 0, signal: null, stdout: "", stderr: "" };
    for (const container of (pod.template.spec.initContainers ?? []) as K8sObject[]) {
      last = await this.execute(pod, container, timeoutMs);
      if (last.code !== 0)
        throw new Error(
          `${name}: init container ${container.name} exited ${last.code}:\n${last.stdout}${last.stderr}`,
        );
    }
    return last;
  }

  /** Starts the pod's server on the config its init wrote (run `init` first). */
  async serve(name: string): Promise<ServerProcess> {
    const pod = this.pod(name);
    const container = pod.template.spec.containers[0] as K8sObject;
    const mounts = this.mounts(pod, container);
    const argv = (container.command as string[]).map((a) => this.rewrite(a, mounts));
    const binary = argv.includes("--sentinel") ? "redis-sentinel" : "redis-server";
    const cwd = this.rewrite(container.workingDir, mounts);
    const server = await this.group.start(name, binary, argv[1]!, pod.port, cwd);
    this.servers.set(name, server);
    return server;
  }

  /** Init, then the server. */
  async start(name: string): Promise<ServerProcess> {
    await this.init(name);
    return this.serve(name);
  }

  /** Every pod at once, as `podManagementPolicy: Parallel` starts them. */
  async startAll(names: readonly string[] = this.pods.map((p) => p.name)): Promise<void> {
    await Promise.all(names.map((n) => this.start(n)));
  }

  async stop(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await this.servers.get(name)?.kill(signal);
  }

  async stopAll(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    await Promise.all([...this.servers.keys()].map((n) => this.stop(n, signal)));
  }

  /** After `stopAll()`: what a reboot of the node loses, every in-memory emptyDir. */
  reboot(): void {
    for (const pod of this.pods)
      for (const v of pod.volumes.values())
        if (v.kind === "memory") {
          rmSync(v.dir, { recursive: true, force: true });
          mkdirSync(v.dir, { recursive: true });
        }
  }

  /** The exit code of one of the pod's container probes (its exec command, with the container's env). */
  probe(name: string, which: "startupProbe" | "livenessProbe" | "readinessProbe"): Promise<number | null> {
    const pod = this.pod(name);
    const container = pod.template.spec.containers[0] as K8sObject;
    const mounts = this.mounts(pod, container);
    // The probes address the server as the kubelet does, on 127.0.0.1 and the container's port.
    const onPort = (a: string): string =>
      a.replace(new RegExp(`-p ${pod.clusterPort}\\b`, "g"), `-p ${pod.port}`);
    const command = (container[which].exec.command as string[]).map((a) => onPort(this.rewrite(a, mounts)));
    return runProbe(command, this.env(pod, container));
  }

  /** A file of one of the pod's volumes. */
  read(name: string, volume: string, file: string): string {
    return readFileSync(path.join(this.pod(name).volumes.get(volume)!.dir, file), "utf8");
  }

  /** Runs the Job `job` of the plan (its pod template) to completion, with its in-cluster endpoints on loopback. */
  async runJob(job: K8sObject, timeoutMs = 120_000): Promise<CommandResult> {
    const pod: Pod = {
      name: `${job.metadata.name}-job`,
      owner: job.metadata.name,
      ordinal: 0,
      template: job.spec.template,
      clusterHost: "",
      clusterPort: 0,
      port: 0,
      dir: path.join(this.workDir, `job-${job.metadata.name}`),
      volumes: new Map(),
    };
    this.placeVolumes(pod, undefined);
    const container = job.spec.template.spec.containers[0] as K8sObject;
    const result = await this.execute(pod, container, timeoutMs);
    return result;
  }

  /** Kills every server still running. */
  async close(): Promise<void> {
    await this.group.stopAll();
  }
}
