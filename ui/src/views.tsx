/** The console's panels: pure renderings of what the REST API answered. */
import type { ClusterSummary, ClusterView, EventView, HostView, MemberStatus, RolloutView } from './api.js';
import { clusterPath } from './api.js';
import type { PendingAction } from './confirm.js';

type Ask = ((p: PendingAction) => void) | undefined;

const Badge = ({ v }: { v: string }) => <span class={`badge ${v}`}>{v}</span>;

const ago = (iso: string | null) => {
  if (!iso) return 'never';
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return s < 60 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
};

const secs = (ms: number | null) => (ms === null ? '' : `${(ms / 1000).toFixed(1)} s`);

/** Hosts: liveness, agent version, generations, labels. */
export function FleetPanel({ hosts }: { hosts: HostView[] }) {
  return (
    <section aria-label="fleet">
      <h2>Fleet ({hosts.length} hosts)</h2>
      <table>
        <thead>
          <tr>
            <th>host</th>
            <th>address</th>
            <th>agent</th>
            <th>last seen</th>
            <th>version</th>
            <th>generation</th>
            <th>labels</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((h) => (
            <tr key={h.id} data-host={h.name}>
              <td>{h.name}</td>
              <td>{h.address}</td>
              <td>
                <Badge v={h.connected ? 'connected' : 'disconnected'} />
              </td>
              <td>{ago(h.lastSeen)}</td>
              <td>{h.agentVersion}</td>
              <td>
                {h.appliedGeneration}/{h.generation}
                {h.applyError && <span class="error"> {h.applyError}</span>}
              </td>
              <td>
                {Object.entries(h.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** The kind's probe values on a member (synced followers, under-replicated partitions, …). */
const KNOWN = new Set([
  'instance',
  'host',
  'id',
  'address',
  'port',
  'role',
  'mode',
  'leading',
  'restartRank',
  'process',
  'lastProbe',
  'detail',
  'pid',
  'restarts',
  'logs',
  'failure',
]);
const probeValues = (m: MemberStatus) =>
  Object.entries(m)
    .filter(([k, v]) => !KNOWN.has(k) && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');

/** One cluster: health, members, and its actions. */
export function ClusterPanel({
  summary,
  view,
  ask,
}: {
  summary: ClusterSummary;
  view: ClusterView | undefined;
  ask: Ask;
}) {
  const name = summary.name;
  const storm = summary.kind === 'storm' && view?.status.activeNimbus !== undefined;
  return (
    <section aria-label={`cluster ${name}`} data-cluster={name}>
      <h2>
        {name}{' '}
        <span class="muted">
          {summary.kind} r{summary.revision}
        </span>{' '}
        <span data-testid={`health-${name}`}>
          <Badge v={summary.health} />
        </span>{' '}
        <span class="muted">
          {summary.ready}/{summary.members} ready {summary.reason && `— ${summary.reason}`}
        </span>
      </h2>
      {summary.hint && <p class="muted">{summary.hint}</p>}
      {ask && (
        <p>
          <button
            onClick={() =>
              ask({
                title: `Rolling restart of ${name}`,
                explain: `Restarts every member of ${name} one at a time through the restart-lease gates, the leader last.`,
                path: clusterPath(name, '/rollouts'),
                body: { action: 'restart' },
                cluster: name,
              })
            }
          >
            Rolling restart
          </button>
          {storm && (
            <button
              onClick={() =>
                ask({
                  title: `Fail over ${name}`,
                  explain: `Fences the active nimbus (${view.status.activeNimbus ?? 'none'}) and promotes a standby; supervisors are re-pointed one at a time.`,
                  path: clusterPath(name, '/failover'),
                  body: { reason: 'from the console' },
                  cluster: name,
                })
              }
            >
              Fail over nimbus
            </button>
          )}
        </p>
      )}
      {view && (
        <table>
          <thead>
            <tr>
              <th>member</th>
              <th>host</th>
              <th>role</th>
              <th>mode</th>
              <th>process</th>
              <th>probe</th>
              <th>restart pending</th>
              <th>last error</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {view.status.members.map((m) => (
              <tr key={m.instance} data-member={String(m.id)}>
                <td>{String(m.id)}</td>
                <td>{m.host}</td>
                <td>{m.role}</td>
                <td>
                  {m.mode}
                  {m.leading && <strong> ★ leading</strong>}
                </td>
                <td>
                  <Badge v={m.process} /> {m.pid > 0 && <span class="muted">pid {m.pid}</span>}{' '}
                  {m.restarts > 0 && <span class="muted">{m.restarts} restarts</span>}
                </td>
                <td>
                  {probeValues(m)} <span class="muted">{m.detail}</span>{' '}
                  <span class="muted">
                    {m.lastProbe === null && m.process !== 'running' ? '-' : ago(m.lastProbe)}
                  </span>
                </td>
                <td>{m['restartPending'] === true ? 'yes' : ''}</td>
                <td class="error">
                  {m.failure ? `exit ${m.failure.exitCode ?? m.failure.signal ?? '?'}` : ''}
                </td>
                <td>
                  {ask && (
                    <button
                      onClick={() =>
                        ask({
                          title: `Restart ${name} member ${String(m.id)}`,
                          explain: `Restarts ${m.instance} on ${m.host} once the restart-lease gates allow it.`,
                          path: clusterPath(name, `/members/${encodeURIComponent(String(m.id))}/restart`),
                          body: { reason: 'from the console' },
                          cluster: name,
                        })
                      }
                    >
                      Restart
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const ACTIVE = new Set(['pending', 'running', 'paused', 'waiting']);

/**
 * Rollouts: steps in run order (the server orders them), current step with the gate it waits on,
 * elapsed times, progress.
 */
export function RolloutsPanel({ rollouts, ask }: { rollouts: Record<string, RolloutView[]>; ask: Ask }) {
  const all = Object.values(rollouts)
    .flat()
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
    .slice(0, 10);
  return (
    <section aria-label="rollouts">
      <h2>Rollouts</h2>
      {all.length === 0 && <p class="muted">none</p>}
      {all.map((r) => {
        const done = r.steps.filter((s) => s.state === 'done' || s.state === 'completed').length;
        const verb = (v: 'pause' | 'resume' | 'abort') =>
          ask && (
            <button
              onClick={() =>
                ask({
                  title: `${v[0]!.toUpperCase()}${v.slice(1)} rollout ${r.id} of ${r.cluster}`,
                  explain:
                    v === 'abort'
                      ? 'Stops the rollout; members already restarted stay restarted.'
                      : `The rollout will ${v} at its next step boundary.`,
                  path: `/v1/rollouts/${r.id}/${v}`,
                  body: {},
                  cluster: r.cluster,
                })
              }
            >
              {v}
            </button>
          );
        return (
          <div key={r.id} data-rollout={r.id}>
            <h3>
              {r.cluster} {r.action} <span class="muted">{r.id}</span>{' '}
              <span data-testid={`rollout-state-${r.id}`}>
                <Badge v={r.state} />
              </span>{' '}
              <progress max={r.steps.length} value={done} /> {done}/{r.steps.length}{' '}
              {r.state === 'paused' ? verb('resume') : ACTIVE.has(r.state) && verb('pause')}
              {ACTIVE.has(r.state) && verb('abort')}
            </h3>
            {r.reason && <p class="muted">{r.reason}</p>}
            {r.waiting && (
              <p data-testid="rollout-waiting" class="muted">
                waiting: {r.waiting}
              </p>
            )}
            {r.current && (
              <p data-testid="rollout-current">
                now: <strong>{r.current.instance}</strong> {r.current.phase} — {r.current.waitingFor}
                {r.current.gates
                  .filter((g) => !g.ok)
                  .map((g) => (
                    <span key={g.gate} class="badge waiting">
                      {g.gate}: {g.reason}
                    </span>
                  ))}
              </p>
            )}
            <table>
              <thead>
                <tr>
                  <th>#</th>
                  <th>op</th>
                  <th>instance</th>
                  <th>host</th>
                  <th>state</th>
                  <th>elapsed</th>
                  <th>note</th>
                </tr>
              </thead>
              <tbody>
                {r.steps.map((s) => (
                  <tr key={s.index} data-step={s.instance}>
                    <td>{s.index + 1}</td>
                    <td>{s.op}</td>
                    <td>{s.instance}</td>
                    <td>{s.host}</td>
                    <td>
                      <Badge v={s.state} />
                    </td>
                    <td>{secs(s.elapsedMs)}</td>
                    <td class="muted">{s.note}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}

/** The newest failover of each Storm `failover: manual` cluster, step by step. */
export function FailoversPanel({ views }: { views: Record<string, ClusterView> }) {
  const fos = Object.values(views).flatMap((v) => (v.status.lastFailover ? [v.status.lastFailover] : []));
  return (
    <section aria-label="failovers">
      <h2>Failovers</h2>
      {fos.length === 0 && <p class="muted">none</p>}
      {fos.map((f) => (
        <div key={f.id}>
          <h3>
            {f.cluster}: {f.from ?? 'none'} → {f.to} <Badge v={f.state} />{' '}
            <span class="muted">
              {f.trigger}, epoch {f.epoch}, {secs(f.elapsedMs)}
            </span>
          </h3>
          {f.waiting && <p class="muted">waiting: {f.waiting}</p>}
          <ol>
            {f.steps.map((s, i) => (
              <li key={i}>
                {s.step} <span class="muted">{s.at}</span> {s.reason}
              </li>
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}

/** The events and audit timeline, newest first. */
export function EventsPanel({ events }: { events: EventView[] }) {
  return (
    <section aria-label="events">
      <h2>Events</h2>
      <div class="events">
        {events.map((e) => (
          <div key={e.id} data-event-type={e.type}>
            <span class="muted">{e.at.slice(11, 19)}</span> <Badge v={e.type} /> {e.cluster ?? ''}{' '}
            {e.host ?? ''} {e.message}
          </div>
        ))}
      </div>
    </section>
  );
}
