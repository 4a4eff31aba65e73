import {
  ConflictError,
  HactlError,
  NotFoundError,
  ValidationError,
  planRestartOrder,
  serviceKind,
  validateClusterSpec,
  type ClusterSpecBase,
  type ClusterStatus,
  type FleetContext,
  type HostRecord,
  type InstanceObservation,
  type InstancePlan,
  type Logger,
} from '@hactl/shared';
import { describeDistribution } from '@hactl/shared';
import type { Store, HostRow } from '../store/store.js';
import { checkClaims, diffHostDesired, planFleet, type HostDesiredView } from './plan-fleet.js';
import { compactDiff, diffLines } from './diff-text.js';
import { planClusterHint } from './hints.js';

/** What the gRPC layer registers for a connected agent. */
export interface AgentCommand {
  id: string;
  instanceId: string;
  action: string;
  args: string[];
}

export interface AgentCommandResult {
  id: string;
  ok: boolean;
  output: string;
  error: string;
}

export interface AgentSession {
  /** Pushes a full desired state on the agent's stream: the exact `host_desired.state_json`. */
  sendDesired(generation: number, stateJson: string): void;
  sendCommand(cmd: AgentCommand): void;
  close(reason: string): void;
  /** Where the stream comes from (`ipv4:10.0.0.21:51234`), for messages about it. */
  peer?: string;
}

export interface AgentHello {
  name: string;
  address: string;
  agentVersion: string;
  dataRoot: string;
  labels: Record<string, string>;
  facts: Record<string, unknown>;
}

export interface StatusUpdate {
  appliedGeneration: number;
  applyError: string;
  /**
   * `probeAt` is in the agent's clock, which the control plane does not trust (issue 16 #8: a probe
   * stamped in the future kept a cluster healthy forever). Only its age at `sentAt` (the agent's
   * clock when it sent the report) is used.
   */
  instances: Omit<InstanceObservation, 'hostId' | 'reportedAt'>[];
  /** The agent's clock when it sent the report; absent: the report was made now (in-process callers). */
  sentAt?: number;
}

export interface FleetOptions {
  store: Store;
  logger: Logger;
  now: () => number;
  /** How often agents report; a probe older than 3 intervals counts as missing. */
  reportIntervalMs: number;
  /** Random identifiers for generated facts (e.g. KRaft cluster ids): 22 base64url characters. */
  randomId: () => string;
  /** This control plane's identity, sent in every welcome (agents refuse another one's desired state). */
  controlPlaneId?: string;
}

/** Set once a cluster's dependencies were healthy and it was released to start. */
const STARTED_FACT = 'hactl.started';

interface Liveness {
  connected: boolean;
  lastSeen: number;
  applied: number;
  applyError: string;
  dirty: boolean;
}

export interface HostView {
  id: string;
  name: string;
  address: string;
  connected: boolean;
  lastSeen: string | null;
  generation: number;
  appliedGeneration: number;
  applyError: string;
  instances: number;
  agentVersion: string;
  labels: Record<string, string>;
  facts: Record<string, unknown>;
}

/**
 * The control plane's model of the fleet: accepts specs as revisions, keeps each host's desired
 * state generation, pushes changes to connected agents, and holds what agents last reported.
 * Desired state lives in the store (one transaction per change); liveness and probe results live
 * in memory and are flushed in batches.
 */
export class Fleet {
  private readonly sessions = new Map<string, AgentSession>();
  /** When each live session said hello (ms, control-plane clock). */
  private readonly sessionSince = new Map<string, number>();
  private readonly liveness = new Map<string, Liveness>();
  private readonly observations = new Map<string, InstanceObservation>();
  private readonly desiredIds = new Map<string, Map<string, string>>();
  private readonly store: Store;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly staleAfterMs: number;
  private readonly randomId: () => string;
  readonly reportIntervalMs: number;
  readonly controlPlaneId: string;
  /** Hooks for the rollout engine. */
  onCommandResult: (hostId: string, result: AgentCommandResult) => void = () => {};
  onAgentConnected: (hostId: string) => void = () => {};
  /** The cluster's running or paused rollout, for the hints in cluster status (set by the core wiring). */
  activeRollout: (cluster: string) => { id: string; state: string; reason: string } | undefined = () =>
    undefined;
  /** Read-only questions sent to agents (dry-run checks, log tails), answered by command id. */
  private readonly queries = new Map<string, { hostId: string; resolve: (r: AgentCommandResult) => void }>();
  private querySeq = 0;

  constructor(opts: FleetOptions) {
    this.store = opts.store;
    this.log = opts.logger;
    this.now = opts.now;
    this.reportIntervalMs = opts.reportIntervalMs;
    this.randomId = opts.randomId;
    this.controlPlaneId = opts.controlPlaneId ?? '';
    this.staleAfterMs = opts.reportIntervalMs * 3 + 1000;
    for (const h of this.store.listHosts()) {
      this.liveness.set(h.id, {
        connected: false,
        lastSeen: h.last_seen_at ?? 0,
        applied: h.applied_generation,
        applyError: '',
        dirty: false,
      });
    }
  }

  // ---- specs -------------------------------------------------------------------------------

  /** Runs `fn` in one store transaction (nested calls join it): all of its writes or none. */
  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  fleetContext(excludeCluster?: string): FleetContext {
    return {
      hosts: this.store.listHosts().map(hostRecord),
      clusters: this.currentSpecs().filter((s) => s.name !== excludeCluster),
      clusterFacts: this.store.listClusterFacts(),
    };
  }

  currentSpecs(): ClusterSpecBase[] {
    return this.store.listClusters().map((c) => {
      const rev = this.store.getRevision(c.name, c.current_revision);
      if (!rev) throw new Error(`store: cluster ${c.name} points at missing revision ${c.current_revision}`);
      return JSON.parse(rev.spec_json) as ClusterSpecBase;
    });
  }

  /** Validates a spec for `name` against the fleet (schema, references, cross-cluster clashes). */
  checkSpec(name: string, raw: unknown): ClusterSpecBase {
    return this.checkSpecWithFacts(name, raw).spec;
  }

  /**
   * Validation plus the facts the spec would be planned with: stored facts, and the kind's initial
   * facts generated now for a cluster that has none yet (stored by applyCluster exactly as
   * generated here, so validation, preview and the stored plan agree).
   */
  private checkSpecWithFacts(
    name: string,
    raw: unknown,
  ): { spec: ClusterSpecBase; newFacts: Record<string, string>; fleet: FleetContext } {
    if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
      const body = raw as Record<string, unknown>;
      if (body.name === undefined) raw = { ...body, name };
      else if (body.name !== name) {
        throw new ValidationError('spec name does not match the URL', [
          {
            path: 'name',
            message: `is ${JSON.stringify(body.name)} but the request is for ${JSON.stringify(name)}`,
          },
        ]);
      }
    }
    const result = validateClusterSpec(raw, this.fleetContext(name));
    if (!result.ok)
      throw new ValidationError(
        `cluster spec ${JSON.stringify(name)} is invalid (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'})`,
        result.problems,
      );
    const spec = result.spec;
    const others = this.fleetContext(name);
    const stored = others.clusterFacts?.get(name) ?? {};
    const newFacts: Record<string, string> = {};
    for (const [k, v] of Object.entries(serviceKind(spec.kind)?.initialFacts?.(spec, this.randomId) ?? {}))
      if (stored[k] === undefined) newFacts[k] = v;
    const facts = new Map(others.clusterFacts ?? []);
    facts.set(name, { ...stored, ...newFacts });
    const fleet: FleetContext = { ...others, clusters: [...others.clusters, spec], clusterFacts: facts };
    let clashes;
    try {
      clashes = checkClaims(fleet, fleet.clusters, name);
    } catch (err) {
      // A planner that cannot plan a validated spec (e.g. a reference it cannot resolve) is still the spec's problem.
      throw new ValidationError(`cluster spec ${JSON.stringify(name)} cannot be planned`, [
        { path: '', message: err instanceof Error ? err.message : String(err) },
      ]);
    }
    if (clashes.length)
      throw new ValidationError(
        `cluster spec ${JSON.stringify(name)} clashes with other clusters on shared hosts`,
        clashes,
      );
    return { spec, newFacts, fleet };
  }

  /**
   * What applying `raw` would change, without storing anything: which instances on which hosts,
   * the rendered-file diffs (same renderers the agents use) and which running members would need a
   * restart, in rollout order.
   */
  previewApply(name: string, raw: unknown): ClusterPreview {
    const { spec, fleet } = this.checkSpecWithFacts(name, raw);
    const kind = serviceKind(spec.kind)!;
    const existing = this.store.getCluster(name);
    const current = existing ? this.store.getRevision(name, existing.current_revision) : undefined;
    const before = new Map(this.planCluster(name).map((p) => [p.id, p]));
    const after = kind.plan(spec, fleet);
    const hostNames = new Map(this.store.listHosts().map((h) => [h.id, h.name]));
    const instances: PreviewInstance[] = [];
    const render = (p: InstancePlan | undefined) =>
      new Map((p ? (serviceKind(p.kind)?.render(p.inputs) ?? []) : []).map((f) => [f.path, f.content]));
    for (const p of after) {
      const old = before.get(p.id);
      const [a, b] = [render(old), render(p)];
      const files = [...new Set([...a.keys(), ...b.keys()])].sort().flatMap((path) => {
        const diff = compactDiff(diffLines(a.get(path) ?? '', b.get(path) ?? ''));
        return diff.length ? [{ path, diff }] : [];
      });
      const change = !old
        ? 'add'
        : JSON.stringify(old.inputs) !== JSON.stringify(p.inputs)
          ? 'update'
          : 'none';
      // A crashed member is started on the new config by the rollout too.
      const up = ['running', 'crashed', 'starting'].includes(
        this.observations.get(p.id)?.process ?? 'unknown',
      );
      const restart = change === 'update' && up && (kind.needsRestart?.(old!.inputs, p.inputs) ?? true);
      const [from, to] = [old ? describeDistribution(old.inputs) : undefined, describeDistribution(p.inputs)];
      const distribution =
        to === undefined ? undefined : { ...(from === undefined ? {} : { from }), to, changed: from !== to };
      instances.push({
        instance: p.id,
        host: hostNames.get(p.hostId) ?? p.hostId,
        hostId: p.hostId,
        kind: p.kind,
        inputs: p.inputs,
        change,
        restart,
        files,
        ...(distribution ? { distribution } : {}),
      });
    }
    for (const [id, old] of before) {
      if (!after.some((p) => p.id === id))
        instances.push({
          instance: id,
          host: hostNames.get(old.hostId) ?? old.hostId,
          hostId: old.hostId,
          kind: old.kind,
          inputs: old.inputs,
          change: 'remove',
          restart: false,
          files: [],
        });
    }
    const members = existing
      ? this.memberMap(name).members
      : new Map<string, ClusterStatus['members'][number]>();
    const restartOrder = instances.filter((i) => i.restart).map((i) => i.instance);
    const ordered = planRestartOrder(restartOrder, members).order;
    const notes =
      kind.planNotes?.(current ? (JSON.parse(current.spec_json) as ClusterSpecBase) : undefined, spec) ?? [];
    return {
      name,
      changed: current?.spec_json !== JSON.stringify(spec),
      nextRevision: this.store.maxRevision(name) + 1,
      instances,
      restartOrder: ordered,
      notes,
    };
  }

  /** Validates and stores a spec as a new revision, then pushes new desired states. */
  applyCluster(
    name: string,
    raw: unknown,
    meta: { author: string; message: string },
  ): { name: string; revision: number; changed: boolean; changedInstances: string[] } {
    const outcome = this.store.transaction(() => this.stageApply(name, raw, meta));
    this.pushChanges(outcome.pushes);
    if (outcome.changed)
      this.log.info({ cluster: name, revision: outcome.revision }, 'cluster revision accepted');
    return {
      name,
      revision: outcome.revision,
      changed: outcome.changed,
      changedInstances: outcome.changedInstances,
    };
  }

  /**
   * The store half of applying a spec: validates it, stores the new revision and the hosts' new
   * desired states. Must run inside the caller's store transaction; nothing is sent to agents
   * (`pushChanges` does that after the commit), so a caller may still roll the whole batch back.
   */
  stageApply(name: string, raw: unknown, meta: { author: string; message: string }): StagedApply {
    const { spec, newFacts } = this.checkSpecWithFacts(name, raw);
    const specJson = JSON.stringify(spec);
    const now = this.now();
    const existing = this.store.getCluster(name);
    if (existing && existing.kind !== spec.kind) {
      throw new ConflictError(
        `cluster ${name} is of kind ${existing.kind}; a cluster cannot change kind (delete it first)`,
        [{ path: 'kind', message: `cannot change from ${existing.kind} to ${spec.kind}` }],
      );
    }
    if (existing) {
      const current = this.store.getRevision(name, existing.current_revision);
      if (current?.spec_json === specJson)
        return {
          name,
          revision: existing.current_revision,
          changed: false,
          pushes: [],
          changedInstances: [],
        };
    }
    const before = existing ? this.planCluster(name) : [];
    const revision = this.store.maxRevision(name) + 1;
    for (const [key, value] of Object.entries(newFacts)) this.store.setClusterFact(name, key, value, now);
    this.store.addRevision({
      cluster: name,
      revision,
      kind: spec.kind,
      spec_json: specJson,
      author: meta.author,
      message: meta.message,
      created_at: now,
    });
    this.store.appendEvent({
      at: now,
      type: 'cluster.revision',
      cluster: name,
      host: null,
      message: `revision ${revision} accepted from ${meta.author}${meta.message ? `: ${meta.message}` : ''}`,
      data_json: JSON.stringify({ revision }),
    });
    const pushes = this.recomputeDesired(now);
    const after = this.planCluster(name);
    const old = new Map(before.map((p) => [p.id, JSON.stringify(p.inputs)]));
    const prev = new Map(before.map((p) => [p.id, p]));
    const kindOf = serviceKind(spec.kind);
    const changedInstances = after
      .filter(
        (p) =>
          old.has(p.id) &&
          old.get(p.id) !== JSON.stringify(p.inputs) &&
          (kindOf?.needsRestart?.(prev.get(p.id)!.inputs, p.inputs) ?? true),
      )
      .map((p) => p.id);
    return { name, revision, changed: true, pushes, changedInstances };
  }

  /**
   * After a commit: sends each host its newest desired state. Several staged applies may have
   * moved one host more than once; only the last generation goes out.
   */
  pushChanges(changes: readonly { hostId: string; generation: number; json: string }[]): void {
    const last = new Map<string, { hostId: string; generation: number; json: string }>();
    for (const c of changes) if ((last.get(c.hostId)?.generation ?? -1) < c.generation) last.set(c.hostId, c);
    this.push([...last.values()]);
  }

  /**
   * Throws when `name` cannot be deleted now: it does not exist, another cluster depends on it, or
   * a rollout of it is running or paused. Changes nothing.
   */
  checkDeletable(name: string): void {
    if (!this.store.getCluster(name)) throw new NotFoundError('cluster', name);
    const dependents = this.currentSpecs().filter(
      (s) => s.name !== name && (serviceKind(s.kind)?.dependencies?.(s) ?? []).includes(name),
    );
    if (dependents.length)
      throw new ConflictError(
        `cluster ${name} is used by ${dependents.map((d) => d.name).join(', ')}; delete those first`,
      );
    const active = this.activeRollout(name);
    if (active)
      throw new ConflictError(
        `cluster ${name} has rollout ${active.id} (${active.state}); abort it first (hactl rollout abort ${active.id})`,
      );
  }

  deleteCluster(name: string, meta: { author: string }): void {
    const pushes = this.store.transaction(() => {
      this.checkDeletable(name);
      this.store.deleteCluster(name);
      this.store.deleteClusterFacts(name);
      const now = this.now();
      this.store.appendEvent({
        at: now,
        type: 'cluster.deleted',
        cluster: name,
        host: null,
        message: `deleted by ${meta.author}`,
        data_json: '{}',
      });
      return this.recomputeDesired(now);
    });
    this.push(pushes);
    this.log.info({ cluster: name }, 'cluster deleted');
  }

  /** Re-plans the whole fleet inside the caller's transaction; returns what to push after commit. */
  private recomputeDesired(now: number): { hostId: string; generation: number; json: string }[] {
    const fleet = this.fleetContext();
    const { byHost } = planFleet(fleet, fleet.clusters, this.heldClusters(fleet, now));
    const stored = new Map(
      this.store.listHostDesired().map((r) => [r.host_id, { generation: r.generation, json: r.state_json }]),
    );
    const changes = diffHostDesired(stored, byHost);
    for (const c of changes)
      this.store.setHostDesired({
        host_id: c.hostId,
        generation: c.generation,
        state_json: c.json,
        updated_at: now,
      });
    return changes;
  }

  /**
   * Clusters that must not start yet: a dependency (e.g. Kafka's ZooKeeper) has never been healthy
   * since this cluster was accepted. Once released, a cluster stays released (the `hactl.started`
   * fact): a later dependency outage must not stop running brokers.
   */
  private heldClusters(fleet: FleetContext, now: number): Map<string, string> {
    const held = new Map<string, string>();
    for (const spec of fleet.clusters) {
      const deps = serviceKind(spec.kind)?.dependencies?.(spec) ?? [];
      if (!deps.length || fleet.clusterFacts?.get(spec.name)?.[STARTED_FACT] === '1') continue;
      const waiting: string[] = [];
      for (const dep of deps) {
        const health = this.store.getCluster(dep) ? this.clusterStatus(dep).status.health : 'missing';
        if (health !== 'healthy') waiting.push(`${dep} (${health})`);
      }
      if (waiting.length)
        held.set(spec.name, `waiting for ${waiting.join(', ')} to be healthy before the first start`);
      else this.store.setClusterFact(spec.name, STARTED_FACT, '1', now);
    }
    return held;
  }

  /**
   * The control plane's periodic pass: learns facts from health (e.g. an Elasticsearch cluster
   * uuid) and releases held clusters whose dependencies became healthy; re-plans only when
   * something changed.
   */
  reconcileTick(): number {
    const now = this.now();
    let changed = false;
    const facts = this.store.listClusterFacts();
    for (const spec of this.currentSpecs()) {
      const kind = serviceKind(spec.kind);
      if (!kind) continue;
      const held =
        (kind.dependencies?.(spec) ?? []).length > 0 && facts.get(spec.name)?.[STARTED_FACT] !== '1';
      if (
        held &&
        (kind.dependencies?.(spec) ?? []).every(
          (d) => this.store.getCluster(d) && this.clusterStatus(d).status.health === 'healthy',
        )
      )
        changed = true;
      if (kind.learnFacts) {
        const learned = kind.learnFacts(spec, this.clusterStatus(spec.name).status);
        const known = facts.get(spec.name) ?? {};
        for (const [k, v] of Object.entries(learned)) {
          if (known[k] === v) continue;
          this.store.setClusterFact(spec.name, k, v, now);
          this.store.appendEvent({
            at: now,
            type: 'cluster.fact',
            cluster: spec.name,
            host: null,
            message: `learned ${k}=${v}`,
            data_json: '{}',
          });
          this.log.info({ cluster: spec.name, fact: k, value: v }, 'cluster fact learned');
          changed = true;
        }
      }
    }
    if (!changed) return 0;
    const pushes = this.store.transaction(() => this.recomputeDesired(now));
    this.push(pushes);
    return pushes.length;
  }

  /** After a commit: drops cached desired instances of changed hosts and sends them (except to `skip`). */
  private push(
    changes: readonly { hostId: string; generation: number; json: string }[],
    skip?: string,
  ): void {
    for (const c of changes) {
      this.desiredIds.delete(c.hostId);
      if (c.hostId === skip) continue;
      const session = this.sessions.get(c.hostId);
      if (!session) continue;
      this.log.info({ host: c.hostId, generation: c.generation }, 'pushing desired state');
      session.sendDesired(c.generation, c.json);
    }
  }

  /** The current plans of one cluster (empty when it does not exist). */
  planCluster(name: string): InstancePlan[] {
    const row = this.store.getCluster(name);
    if (!row) return [];
    const rev = this.store.getRevision(name, row.current_revision);
    if (!rev) return [];
    const spec = JSON.parse(rev.spec_json) as ClusterSpecBase;
    return serviceKind(spec.kind)?.plan(spec, this.fleetContext()) ?? [];
  }

  /** Member statuses keyed by instance id (plans and members share their order). */
  memberMap(name: string): {
    status: ClusterStatus;
    members: Map<string, ClusterStatus['members'][number]>;
    plans: InstancePlan[];
  } {
    const view = this.clusterStatus(name);
    const plans = this.planCluster(name);
    const members = new Map<string, ClusterStatus['members'][number]>();
    plans.forEach((p, i) => {
      const m = view.status.members[i];
      if (m) members.set(p.id, m);
    });
    return { status: view.status, members, plans };
  }

  observation(instanceId: string): InstanceObservation | undefined {
    return this.observations.get(instanceId);
  }

  isConnected(hostId: string): boolean {
    return this.sessions.has(hostId);
  }

  /** Sends a command on the host's stream; false when the host is not connected. */
  sendCommand(hostId: string, cmd: AgentCommand): boolean {
    const s = this.sessions.get(hostId);
    if (!s) return false;
    s.sendCommand(cmd);
    return true;
  }

  recordCommandResult(hostId: string, result: AgentCommandResult): void {
    const q = this.queries.get(result.id);
    if (q && q.hostId === hostId) {
      this.queries.delete(result.id);
      q.resolve(result);
      return;
    }
    this.onCommandResult(hostId, result);
  }

  /**
   * Asks a connected agent a read-only question (a command whose answer changes nothing, such as
   * `check-distribution` or `logs`) and waits for its answer. Resolves with ok: false when the host
   * is not connected or does not answer within `timeoutMs`.
   */
  queryAgent(
    hostId: string,
    q: { instanceId: string; action: string; args: string[] },
    timeoutMs: number,
  ): Promise<AgentCommandResult> {
    const id = `q${++this.querySeq}.${this.now().toString(36)}`;
    const session = this.sessions.get(hostId);
    if (!session)
      return Promise.resolve({ id, ok: false, output: '', error: `host ${hostId} is not connected` });
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.queries.delete(id);
        resolve({
          id,
          ok: false,
          output: '',
          error: `no answer from the agent on ${hostId} within ${timeoutMs / 1000} s`,
        });
      }, timeoutMs);
      this.queries.set(id, {
        hostId,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
      session.sendCommand({ id, instanceId: q.instanceId, action: q.action, args: q.args });
    });
  }

  // ---- agents ------------------------------------------------------------------------------

  /**
   * Registers (or re-registers) an agent; returns its host id and current desired state. Throws an
   * `already_exists` HactlError, changing nothing, while another session of the same host name is
   * live: two agents started with one `--name` used to replace each other's session in turn, each
   * moving the host to its own address (issue 16 #8). A restarted agent whose old stream the
   * control plane has not seen close yet is accepted once keepalive drops that stream (≤ 30 s).
   */
  connectAgent(
    hello: AgentHello,
    session: AgentSession,
  ): { hostId: string; generation: number; stateJson: string } {
    const now = this.now();
    const key = this.store.getHostByName(hello.name)?.id ?? hello.name;
    const live = this.sessions.get(key);
    if (live && live !== session) {
      const since = this.sessionSince.get(key);
      const from = [
        live.peer ? `from ${live.peer}` : '',
        since ? `since ${new Date(since).toISOString()}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      throw new HactlError(
        'already_exists',
        `host ${hello.name} already has a connected agent${from ? ` (${from})` : ''}; refusing a second session with the same --name. ` +
          'Two agents must not share a name; if that agent is gone, this one is accepted once the control plane drops its stream',
        { retriable: true },
      );
    }
    const { hostId, pushes } = this.store.transaction(() => {
      const existing = this.store.getHostByName(hello.name);
      const hostId = existing?.id ?? hello.name;
      const moved = existing && (existing.address !== hello.address || existing.data_root !== hello.dataRoot);
      this.store.upsertHost({
        id: hostId,
        name: hello.name,
        address: hello.address,
        data_root: hello.dataRoot,
        labels_json: JSON.stringify(hello.labels),
        facts_json: JSON.stringify(hello.facts),
        agent_version: hello.agentVersion,
        created_at: existing?.created_at ?? now,
        last_seen_at: now,
      });
      if (!existing)
        this.store.appendEvent({
          at: now,
          type: 'host.registered',
          cluster: null,
          host: hostId,
          message: `host ${hello.name} registered at ${hello.address}`,
          data_json: '{}',
        });
      if (moved)
        this.store.appendEvent({
          at: now,
          type: 'host.changed',
          cluster: null,
          host: hostId,
          message: `host ${hello.name} now at ${hello.address} (data root ${hello.dataRoot})`,
          data_json: '{}',
        });
      let pushes: { hostId: string; generation: number; json: string }[] = [];
      if (moved) pushes = this.recomputeDesired(now);
      else if (!existing) {
        // No accepted spec can name a host that was not registered (validation refuses unknown
        // hosts), so a new host starts empty: no fleet-wide re-plan per registration.
        const json = JSON.stringify({ instances: [] } satisfies HostDesiredView);
        this.store.setHostDesired({ host_id: hostId, generation: 1, state_json: json, updated_at: now });
        pushes = [{ hostId, generation: 1, json }];
      }
      return { hostId, pushes };
    });
    this.sessions.set(hostId, session);
    this.sessionSince.set(hostId, now);
    const liveness = this.liveness.get(hostId) ?? {
      connected: true,
      lastSeen: now,
      applied: 0,
      applyError: '',
      dirty: true,
    };
    liveness.connected = true;
    liveness.lastSeen = now;
    liveness.dirty = true;
    this.liveness.set(hostId, liveness);
    this.push(pushes, hostId);
    const row = this.store.getHostDesired(hostId);
    this.log.info(
      { host: hostId, address: hello.address, generation: row?.generation ?? 0 },
      'agent connected',
    );
    queueMicrotask(() => this.onAgentConnected(hostId));
    return {
      hostId,
      generation: row?.generation ?? 0,
      stateJson: row?.state_json ?? '{"instances":[]}',
    };
  }

  disconnectAgent(hostId: string, session: AgentSession): void {
    if (this.sessions.get(hostId) !== session) return; // not the host's live session
    this.sessions.delete(hostId);
    this.sessionSince.delete(hostId);
    const live = this.liveness.get(hostId);
    if (live) {
      live.connected = false;
      live.dirty = true;
    }
    this.log.info({ host: hostId }, 'agent disconnected');
  }

  recordStatus(hostId: string, update: StatusUpdate): void {
    const now = this.now();
    const live = this.liveness.get(hostId);
    if (live) {
      if (live.applied !== update.appliedGeneration)
        this.log.info({ host: hostId, generation: update.appliedGeneration }, 'agent applied generation');
      live.lastSeen = now;
      live.applied = update.appliedGeneration;
      live.applyError = update.applyError;
      live.dirty = true;
    }
    const known = this.desiredInstances(hostId);
    for (const inst of update.instances) {
      if (!known.has(inst.id)) continue; // an instance being removed; nothing plans it any more
      this.observations.set(inst.id, {
        ...inst,
        hostId,
        reportedAt: now,
        probeAt: receivedProbeAt(inst.probeAt, update.sentAt, now),
      });
    }
    for (const [id, o] of this.observations) {
      if (o.hostId === hostId && !known.has(id)) this.observations.delete(id);
    }
  }

  /** Writes changed liveness to the store in one transaction; called on a timer and at shutdown. */
  flushLiveness(): number {
    const rows: { id: string; last_seen_at: number; applied_generation: number }[] = [];
    for (const [id, l] of this.liveness) {
      if (!l.dirty) continue;
      rows.push({ id, last_seen_at: l.lastSeen, applied_generation: l.applied });
      l.dirty = false;
    }
    if (rows.length) this.store.recordLiveness(rows);
    return rows.length;
  }

  closeAllSessions(reason: string): void {
    for (const s of this.sessions.values()) s.close(reason);
    this.sessions.clear();
    this.sessionSince.clear();
  }

  /**
   * The observations health is judged on: what agents reported, except that an instance whose
   * host's agent is not connected has no current probe (its last report stays visible in `detail`).
   * Nobody vouches for such a member now, whatever its last probe said (issue 16 #8).
   */
  private currentObservations(): ReadonlyMap<string, InstanceObservation> {
    const out = new Map<string, InstanceObservation>();
    for (const [id, o] of this.observations) {
      if (this.sessions.has(o.hostId)) {
        out.set(id, o);
        continue;
      }
      const last = o.probeAt > 0 ? `; its last probe was at ${new Date(o.probeAt).toISOString()}` : '';
      out.set(id, {
        ...o,
        probe: undefined,
        probeAt: 0,
        detail: [o.detail, `agent disconnected${last}`].filter(Boolean).join('; '),
      });
    }
    return out;
  }

  // ---- views -------------------------------------------------------------------------------

  listHosts(): HostView[] {
    const desired = new Map(this.store.listHostDesired().map((r) => [r.host_id, r]));
    return this.store.listHosts().map((h) => {
      const live = this.liveness.get(h.id);
      const d = desired.get(h.id);
      const lastSeen = live?.lastSeen || h.last_seen_at;
      return {
        id: h.id,
        name: h.name,
        address: h.address,
        connected: live?.connected ?? false,
        lastSeen: lastSeen ? new Date(lastSeen).toISOString() : null,
        generation: d?.generation ?? 0,
        appliedGeneration: live?.applied ?? h.applied_generation,
        applyError: live?.applyError ?? '',
        instances: d ? (JSON.parse(d.state_json) as HostDesiredView).instances.length : 0,
        agentVersion: h.agent_version,
        labels: JSON.parse(h.labels_json) as Record<string, string>,
        facts: JSON.parse(h.facts_json) as Record<string, unknown>,
      };
    });
  }

  clusterStatus(name: string): {
    name: string;
    kind: string;
    revision: number;
    spec: ClusterSpecBase;
    updatedAt: string;
    status: ClusterStatus;
  } {
    const row = this.store.getCluster(name);
    if (!row) throw new NotFoundError('cluster', name);
    const rev = this.store.getRevision(name, row.current_revision);
    if (!rev) throw new Error(`store: cluster ${name} points at missing revision ${row.current_revision}`);
    const spec = JSON.parse(rev.spec_json) as ClusterSpecBase;
    const kind = serviceKind(spec.kind);
    if (!kind)
      throw new Error(`cluster ${name} has kind ${spec.kind}, which this control plane does not know`);
    const fleet = this.fleetContext();
    const plans: InstancePlan[] = kind.plan(spec, fleet);
    const desired = new Map(this.store.listHostDesired().map((r) => [r.host_id, r.generation]));
    const lagging = new Set<string>();
    for (const p of plans) {
      const live = this.liveness.get(p.hostId);
      if (!live || live.applied < (desired.get(p.hostId) ?? 0)) lagging.add(p.hostId);
    }
    const observations = this.currentObservations();
    const status = kind.checkHealth({
      spec,
      plans,
      observations,
      lagging,
      hostNames: new Map(fleet.hosts.map((h) => [h.id, h.name])),
      now: this.now(),
      staleAfterMs: this.staleAfterMs,
    });
    const deps = kind.dependencies?.(spec) ?? [];
    if (deps.length && fleet.clusterFacts?.get(name)?.[STARTED_FACT] !== '1') {
      const waiting = deps.map(
        (d) => `${d} (${this.store.getCluster(d) ? this.clusterStatus(d).status.health : 'missing'})`,
      );
      status.health = 'pending';
      status.reason = `waiting for ${waiting.join(', ')} to be healthy before the first start`;
    }
    if (status.health === 'healthy' && lagging.size > 0) {
      status.health = 'degraded';
      status.reason += `; ${lagging.size} host(s) have not applied the latest desired state`;
    }
    // Where each member logs, as its agent reported it (the kinds' health rollups do not know).
    plans.forEach((p, i) => {
      const m = status.members[i];
      const logs = observations.get(p.id)?.logFiles;
      if (m && logs?.length) m.logs = logs;
    });
    const hint = planClusterHint({
      cluster: name,
      revision: row.current_revision,
      plans,
      members: status.members,
      observations,
      rollout: this.activeRollout(name),
    });
    if (hint) status.hint = hint;
    return {
      name,
      kind: spec.kind,
      revision: row.current_revision,
      spec,
      updatedAt: new Date(row.updated_at).toISOString(),
      status,
    };
  }

  listClusters(): {
    name: string;
    kind: string;
    revision: number;
    health: string;
    reason: string;
    hint?: string;
    members: number;
    ready: number;
    updatedAt: string;
  }[] {
    return this.store.listClusters().map((c) => {
      const s = this.clusterStatus(c.name);
      return {
        name: c.name,
        kind: c.kind,
        revision: c.current_revision,
        health: s.status.health,
        reason: s.status.reason,
        ...(s.status.hint ? { hint: s.status.hint } : {}),
        members: s.status.members.length,
        ready: s.status.members.filter((m) => m.process === 'running' && m.mode !== 'unknown').length,
        updatedAt: s.updatedAt,
      };
    });
  }

  /** Spec diff and rendered-file diffs per instance between two revisions (current fleet layout). */
  diffRevisions(
    name: string,
    from: number,
    to: number,
  ): {
    from: number;
    to: number;
    spec: string[];
    instances: { instance: string; files: { path: string; diff: string[] }[] }[];
  } {
    const a = this.getRevisionSpec(name, from) as ClusterSpecBase;
    const b = this.getRevisionSpec(name, to) as ClusterSpecBase;
    const fleet = this.fleetContext();
    const plan = (s: ClusterSpecBase) =>
      new Map((serviceKind(s.kind)?.plan(s, fleet) ?? []).map((p) => [p.id, p]));
    const [pa, pb] = [plan(a), plan(b)];
    const files = (p: InstancePlan | undefined) =>
      new Map((p ? (serviceKind(p.kind)?.render(p.inputs) ?? []) : []).map((f) => [f.path, f.content]));
    const instances = [...new Set([...pa.keys(), ...pb.keys()])]
      .sort()
      .map((id) => {
        const [fa, fb] = [files(pa.get(id)), files(pb.get(id))];
        return {
          instance: id,
          files: [...new Set([...fa.keys(), ...fb.keys()])].sort().flatMap((path) => {
            const diff = compactDiff(diffLines(fa.get(path) ?? '', fb.get(path) ?? ''));
            return diff.length ? [{ path, diff }] : [];
          }),
        };
      })
      .filter((i) => i.files.length);
    return {
      from,
      to,
      spec: compactDiff(diffLines(JSON.stringify(a, null, 2), JSON.stringify(b, null, 2))),
      instances,
    };
  }

  getRevisionSpec(name: string, revision: number): unknown {
    const rev = this.store.getRevision(name, revision);
    if (!rev) throw new NotFoundError('revision', `${name}@${revision}`);
    return JSON.parse(rev.spec_json) as unknown;
  }

  listRevisions(name: string) {
    if (!this.store.getCluster(name) && this.store.listRevisions(name).length === 0)
      throw new NotFoundError('cluster', name);
    return this.store.listRevisions(name).map((r) => ({
      revision: r.revision,
      author: r.author,
      message: r.message,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  listEvents(filter: { cluster?: string; limit: number }) {
    return this.store.listEvents(filter).map((e) => ({
      id: e.id,
      at: new Date(e.at).toISOString(),
      type: e.type,
      cluster: e.cluster,
      host: e.host,
      message: e.message,
    }));
  }

  /** The kind of an instance this host should run, for the agent-rpc layer's checks of incoming reports. */
  kindOfInstance(hostId: string, instanceId: string): string | undefined {
    return this.desiredInstances(hostId).get(instanceId);
  }

  /**
   * Instance id → kind of a host's desired state. Status reports arrive every few seconds from every
   * agent, so this is cached in memory instead of parsed from the store on each one; `push`
   * drops a host's entry whenever its desired state changes.
   */
  private desiredInstances(hostId: string): ReadonlyMap<string, string> {
    let ids = this.desiredIds.get(hostId);
    if (!ids) {
      const d = this.store.getHostDesired(hostId);
      ids = new Map(
        d ? (JSON.parse(d.state_json) as HostDesiredView).instances.map((i) => [i.id, i.kind] as const) : [],
      );
      this.desiredIds.set(hostId, ids);
    }
    return ids;
  }
}

export interface PreviewInstance {
  instance: string;
  host: string;
  change: 'add' | 'remove' | 'update' | 'none';
  restart: boolean;
  files: { path: string; diff: string[] }[];
  /** The distribution before and after (home, package or java command); `changed` marks an upgrade. */
  distribution?: { from?: string; to: string; changed: boolean };
  /** For the dry run's host checks; not part of the REST answer. */
  hostId: string;
  kind: string;
  inputs: unknown;
}

export interface ClusterPreview {
  name: string;
  changed: boolean;
  nextRevision: number;
  instances: PreviewInstance[];
  restartOrder: string[];
  notes: string[];
}

export interface StagedApply {
  name: string;
  revision: number;
  changed: boolean;
  /** Host desired states to send after the commit. */
  pushes: { hostId: string; generation: number; json: string }[];
  /** Existing instances whose inputs changed in a way that needs a restart. */
  changedInstances: string[];
}

/**
 * When a reported probe was taken, in the control plane's clock: the receive time minus the
 * probe's age as the agent measured it (`sentAt - probeAt`, both in the agent's clock, so a skewed
 * agent clock cancels out). A probe "from the future" has age 0; 0 stays "never probed".
 */
export function receivedProbeAt(probeAt: number, sentAt: number | undefined, receivedAt: number): number {
  if (probeAt <= 0) return 0;
  const age = Math.max(0, (sentAt ?? receivedAt) - probeAt);
  return receivedAt - age;
}

function hostRecord(h: HostRow): HostRecord {
  return {
    id: h.id,
    name: h.name,
    address: h.address,
    dataRoot: h.data_root,
    labels: JSON.parse(h.labels_json) as Record<string, string>,
  };
}
