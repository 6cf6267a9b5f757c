/**
 * Pulumi's mock runtime, recording everything the program registers: the one code path shared by the
 * offline plan (harness/plan.ts) and the unit tests.
 *
 * `pulumi.runtime.setMocks` hands `newResource` only type, name and inputs. The engine's request carries
 * more (parent, resource options, dependencies), so the mock monitor's `registerResource` is wrapped to
 * record the whole request; resource options are read from it exactly as the engine would receive them
 * (`protect` inherited from a parent included).
 *
 * What a resource waits for, as measured with @pulumi/pulumi 3.248 (the request's dependency list and the
 * order in which requests reach the monitor, with one resource's create delayed):
 * - `getDependenciesList()` holds explicit (`dependsOn`) and input dependencies together. A `dependsOn` on a
 *   ComponentResource arrives expanded: the URNs of the component's custom resources, through nested
 *   components but not into the children of a custom resource, never the component's own URN (the SDK's
 *   `getAllTransitivelyReferencedResourceURNs`). The SDK sends the request only once each of them is
 *   created (a custom resource's URN resolves when its create returns).
 * - The SDK also waits, before sending the request, for the parent's URN (a component's resolves once its
 *   own request went out, so after its own waits), the provider's URN and id, the `providers` of a component
 *   (the same) and the `deletedWith` resource's URN. harness/wait-graph.ts turns these into the wait graph.
 */
import * as pulumi from "@pulumi/pulumi";
import { answerCall, providerOutputs } from "./fixtures";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { waitForRPCs } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { speedMeasuresOn } = require("../build/speed") as { speedMeasuresOn(): boolean };

export interface ResourceOptionsRecord {
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  replaceOnChanges?: string[];
  aliases?: unknown[];
  dependsOn?: string[];
  additionalSecretOutputs?: string[];
  deletedWith?: string;
  /** The provider of a custom resource, by URN. */
  provider?: string;
  /** A component's providers by package, by URN: its children inherit them, and it waits for them. */
  providers?: Record<string, string>;
}

export interface PlanResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  /** A multi-language component (helm.v4.Chart, @pulumi/eks): one opaque resource under mocks. */
  remote?: boolean;
  /**
   * Every URN in the engine's request: explicit and input dependencies together, a component dependency
   * expanded into its custom resources (see the module comment).
   */
  waitsFor: string[];
  /** Input name -> the URNs its value came from (the request's property dependencies), non-empty only. */
  inputDependencies?: Record<string, string[]>;
  /** Inputs with secret values still in their envelope (see `redact`). */
  inputs: Record<string, unknown>;
  /** Outputs the mock answered with (inputs plus provider-computed values), envelopes kept. */
  state: Record<string, unknown>;
  options: ResourceOptionsRecord;
}

type Callback = (err: unknown, response: unknown) => void;
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getRemote(): boolean;
  getProvider(): string;
  getProvidersMap(): { forEach(cb: (ref: string, pkg: string) => void): void };
  getProtect(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getAliasesList(): { toObject(): unknown }[];
  getDependenciesList(): string[];
  getPropertydependenciesMap(): { forEach(cb: (v: { getUrnsList(): string[] }, k: string) => void): void };
  getAdditionalsecretoutputsList(): string[];
  getDeletedwith(): string;
}

let active: MockRuntime | undefined;
let patched = false;

/** Wraps MockMonitor.registerResource once per process; it reports to whichever runtime is active. */
function patchMonitor(): void {
  if (patched) return;
  patched = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks");
  const original = MockMonitor.prototype.registerResource;
  MockMonitor.prototype.registerResource = function (req: RegisterRequest, callback: Callback) {
    const runtime = active;
    const slot = runtime?.reserve();
    runtime?.noteRename(req);
    return original.call(this, req, (err: unknown, response: { getUrn(): string } | undefined) => {
      if (runtime && slot !== undefined && !err && response) runtime.complete(slot, req, response.getUrn());
      callback(err, response);
    });
  };
}

/** A provider reference is "<urn>::<id>"; the URN is what identifies it. */
const providerUrn = (ref: string): string => ref.split("::").slice(0, -1).join("::");

function inputDependenciesOf(req: RegisterRequest): Record<string, string[]> {
  const byInput: Record<string, string[]> = {};
  req.getPropertydependenciesMap().forEach((v, k) => {
    if (v.getUrnsList().length) byInput[k] = v.getUrnsList();
  });
  return byInput;
}

function optionsOf(req: RegisterRequest, inputDependencies: Record<string, string[]>): ResourceOptionsRecord {
  const implicit = new Set(Object.values(inputDependencies).flat());
  const explicit = req.getDependenciesList().filter((u) => !implicit.has(u));
  const o: ResourceOptionsRecord = {};
  if (req.getProtect()) o.protect = true;
  if (req.getRetainondelete()) o.retainOnDelete = true;
  if (req.getDeletebeforereplace()) o.deleteBeforeReplace = true;
  if (req.getIgnorechangesList().length) o.ignoreChanges = req.getIgnorechangesList();
  if (req.getReplaceonchangesList().length) o.replaceOnChanges = req.getReplaceonchangesList();
  if (req.getAliasesList().length) o.aliases = req.getAliasesList().map((a) => a.toObject());
  if (explicit.length) o.dependsOn = explicit;
  if (req.getAdditionalsecretoutputsList().length)
    o.additionalSecretOutputs = req.getAdditionalsecretoutputsList();
  if (req.getDeletedwith()) o.deletedWith = req.getDeletedwith();
  if (req.getProvider()) o.provider = providerUrn(req.getProvider());
  const providers: Record<string, string> = {};
  req.getProvidersMap().forEach((ref, pkg) => (providers[pkg] = providerUrn(ref)));
  if (Object.keys(providers).length) o.providers = providers;
  return o;
}

/**
 * Runs `body` (which registers resources) as a stack's program under the installed mock runtime and
 * resolves once every registration has reached the monitor, with `body`'s value or its error.
 *
 * - The error is caught inside the stack and rethrown once the queue drains: passed through Pulumi's
 *   Stack resource it also surfaced as an unhandled rejection, which killed a jest worker.
 * - No stack frames are recorded while it runs. Pulumi records `new Error().stack` for every promise it
 *   creates (for its leak report) and every resource (its source position, read with no frame limit by
 *   Resource.callsites, which answers nothing here); the mock monitor reads neither,
 *   and under jest every frame of every one was source-mapped: 70% of a stack plan's time there. An error
 *   keeps its message and says how to get its frames: FERRUM_STACK_TRACES=1. A speed measure: FERRUM_SPEED=off
 *   (build/speed.js) records every frame too, as Pulumi's own code does.
 */
export async function runProgram<T>(body: () => Promise<T>): Promise<T> {
  const keepFrames = process.env.FERRUM_STACK_TRACES === "1" || !speedMeasuresOn();
  const savedLimit = Error.stackTraceLimit;
  // Resource.callsites (private) lifts the limit to read every frame for the source position.
  const statics = pulumi.Resource as unknown as { callsites(): unknown[] };
  const savedCallsites = statics.callsites;
  if (!keepFrames) {
    Error.stackTraceLimit = 0;
    statics.callsites = () => [];
  }
  let outcome: { value: T } | { error: unknown } | undefined;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        outcome = { value: await body() };
        return {}; // the root stack's outputs: callers resolve what they need from `body`'s value
      } catch (error) {
        outcome = { error };
        return {};
      }
    });
    await waitForRPCs();
  } finally {
    Error.stackTraceLimit = savedLimit;
    statics.callsites = savedCallsites;
  }
  if (!outcome) throw new Error("the stack's program never ran");
  if ("error" in outcome) {
    const err = outcome.error;
    if (!keepFrames && err instanceof Error && !err.stack?.includes("\n    at ")) {
      err.stack = `${err.stack ?? String(err)}\n    (no frames: the mock runtime records none; FERRUM_STACK_TRACES=1 does)`;
    }
    throw err;
  }
  return outcome.value;
}

/** Records registrations and answers the engine's calls with fixtures. */
export class MockRuntime implements pulumi.runtime.Mocks {
  readonly resources: PlanResource[] = [];
  private readonly slots: (PlanResource | undefined)[] = [];
  private readonly states = new Map<
    string,
    { inputs: Record<string, unknown>; state: Record<string, unknown> }
  >();
  readonly calls: { token: string; inputs: unknown }[] = [];
  /** Renamed resources (`type::name`): the name their first alias gives, the one they had before. */
  private readonly formerNames = new Map<string, string>();

  constructor(readonly stack: string) {}

  /**
   * A resource renamed with an alias keeps its state in the engine: its id and every computed output stay
   * the old name's. The fixtures derive outputs from the name, so a renamed resource is answered as its
   * previous name (its first alias's), or every id downstream of a rename would differ in the plan.
   */
  noteRename(req: RegisterRequest): void {
    for (const alias of req.getAliasesList()) {
      const spec = (alias.toObject() as { spec?: { name?: string } }).spec;
      if (spec?.name && spec.name !== req.getName()) {
        this.formerNames.set(`${req.getType()}::${req.getName()}`, spec.name);
        return;
      }
    }
  }

  async install(project = "ferrum"): Promise<void> {
    patchMonitor();
    // The patched monitor reports to one runtime at a time: the one installed last.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    active = this;
    await pulumi.runtime.setMocks(this, project, this.stack, false);
  }

  reserve(): number {
    this.slots.push(undefined);
    return this.slots.length - 1;
  }

  complete(slot: number, req: RegisterRequest, urn: string): void {
    const key = `${req.getType()}::${req.getName()}`;
    const seen = this.states.get(key) ?? { inputs: {}, state: {} };
    const inputDependencies = inputDependenciesOf(req);
    this.slots[slot] = {
      urn,
      type: req.getType(),
      name: req.getName(),
      ...(req.getParent() ? { parent: req.getParent() } : {}),
      custom: req.getCustom(),
      ...(req.getRemote() ? { remote: true } : {}),
      waitsFor: [...new Set(req.getDependenciesList())],
      ...(Object.keys(inputDependencies).length ? { inputDependencies } : {}),
      inputs: seen.inputs,
      state: seen.state,
      options: optionsOf(req, inputDependencies),
    };
    this.resources.length = 0;
    for (const r of this.slots) if (r) this.resources.push(r);
  }

  newResource(args: pulumi.runtime.MockResourceArgs): {
    id: string | undefined;
    state: Record<string, unknown>;
  } {
    const inputs = (args.inputs ?? {}) as Record<string, unknown>;
    const key = `${args.type}::${args.name}`;
    const identity = this.formerNames.get(key) ?? args.name;
    const state = providerOutputs(args.type, identity, inputs, this.stack);
    this.states.set(key, { inputs, state });
    // A fixture may give the provider's id (an ARM id, sg-...); otherwise a fixed one.
    const id = typeof state.id === "string" ? state.id : `${identity}-id`;
    return { id: args.custom === false ? undefined : id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    this.calls.push({ token: args.token, inputs: args.inputs });
    return answerCall(args.token, args.inputs as Record<string, unknown>);
  }
}
