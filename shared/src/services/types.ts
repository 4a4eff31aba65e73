import type { ErrorDetail } from '../errors.js';
import type { ClusterSpecBase, ClusterStatus, HostRecord, InstanceObservation, InstancePlan, RenderedFile } from '../domain.js';

/** What validation and planning know about the fleet. */
export interface FleetContext {
  /** Registered hosts, looked up by name or id. */
  hosts: readonly HostRecord[];
  /** Other accepted clusters, for cross-cluster references and clash checks. */
  clusters: readonly ClusterSpecBase[];
}

export type ValidationResult<S> = { ok: true; spec: S } | { ok: false; problems: ErrorDetail[] };

/** Observations of a cluster's instances at one point in time, input to the health rollup. */
export interface HealthInput<S> {
  spec: S;
  plans: readonly InstancePlan[];
  observations: ReadonlyMap<string, InstanceObservation>;
  /** Hosts whose agent has not yet applied the generation that contains this cluster's revision. */
  lagging: ReadonlySet<string>;
  hostNames: ReadonlyMap<string, string>;
  now: number;
  /** A probe older than this is treated as missing. */
  staleAfterMs: number;
}

/**
 * The pure half of a service kind. Everything here takes data and returns data; the agent's
 * effectful half (process launch, probes) lives in agent/src/services/<kind>/.
 */
export interface ServiceKind<S extends ClusterSpecBase = ClusterSpecBase, I = unknown> {
  readonly kind: S['kind'];
  /** Checks a raw spec; reports every problem at once with field paths. */
  validate(raw: unknown, fleet: FleetContext): ValidationResult<S>;
  /** Spec → instances per host, with fully resolved render inputs. */
  plan(spec: S, fleet: FleetContext): InstancePlan<I>[];
  /** Checks render inputs received over the wire (the agent trusts nothing). */
  parseInputs(raw: unknown): I;
  /** Inputs → config files, byte-stable. */
  render(inputs: I): RenderedFile[];
  /** Parses the probe JSON an agent reported; throws on garbage. */
  parseProbe(raw: unknown): unknown;
  /** Rolls member observations up into the cluster's health with a reason. */
  checkHealth(input: HealthInput<S>): ClusterStatus;
}
