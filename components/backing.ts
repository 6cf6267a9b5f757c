/**
 * What an opt-in backing service is to the platform (stacks/backings.ts): built from its settings
 * (config/backings) in the platform's namespace, it binds each service through a ServiceBinding and adds its
 * stack outputs. The EventBus is the first (components/event-bus/backing.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceBinding } from "./connections";

/** What the platform hands every backing service it builds. */
export interface BackingContext {
  /** The platform namespace: its NetworkPolicy admits the services and nothing else. */
  readonly namespace: string;
  /** The catalog's services, each bound to it. */
  readonly services: readonly string[];
  /** `protect` its data volumes (every cloud stack). */
  readonly protect: boolean;
  /** Prometheus's namespace when observability is on: its metrics are scraped from there. @default - no monitoring */
  readonly monitoringNamespace?: string;
  /** What its monitoring objects wait for: the release installing the Prometheus Operator's CRDs. */
  readonly monitoringCrds: readonly pulumi.Resource[];
  /**
   * Its component's options: the cluster's provider, and the namespace and the storage classes to wait for
   * (a backing service keeps its data on volumes).
   */
  readonly opts: pulumi.ComponentResourceOptions;
}

/** A backing service as built: what each service gets, and what the stack outputs. */
export interface BuiltBacking {
  /** The variables `service` gets (docs/reference/env-contract.md). */
  forService(service: string): ServiceBinding;
  /** Its stack outputs (secret values as secret Outputs). */
  readonly outputs: Readonly<Record<string, pulumi.Input<unknown>>>;
}

/** Builds a backing service that is on from its settings. */
export type BackingBuilder<S> = (settings: S, ctx: BackingContext) => BuiltBacking;
