/**
 * The operator's console (issue 14): fleet, clusters with their members, rollouts, failovers, the
 * events timeline and the actions the token's scopes allow. Every view is fetched from the REST API;
 * the live stream says what changed, and only the affected resources are fetched again.
 */
import { render } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  ApiError,
  clusterPath,
  getJson,
  postJson,
  storeToken,
  storedToken,
  type ClusterSummary,
  type ClusterView,
  type EventView,
  type HostView,
  type RolloutView,
  type WhoAmIView,
} from './api.js';
import { openLiveStream } from './live.js';
import { LatestAnswers } from './latest.js';
import { mergeRefresh, refreshRetryDelayMs, type RefreshWhat } from './retry.js';
import { Confirm, type PendingAction } from './confirm.js';
import { ClusterPanel, FailoversPanel, FleetPanel, EventsPanel, RolloutsPanel } from './views.js';

/** Everything the page shows, as the REST API last answered. */
export interface PageData {
  hosts: HostView[];
  clusters: ClusterSummary[];
  views: Record<string, ClusterView>;
  rollouts: Record<string, RolloutView[]>;
  events: EventView[];
}

const EMPTY: PageData = { hosts: [], clusters: [], views: {}, rollouts: {}, events: [] };

function Login({ onToken, error }: { onToken: (t: string) => void; error: string }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        if (value.trim()) onToken(value.trim());
      }}
    >
      <h2>hactl console</h2>
      <label>
        API token (<code>hactl token create --api NAME --scopes read,write</code>; kept in this tab only)
        <input name="token" type="password" value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </label>
      <button type="submit">Log in</button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(storedToken());
  const [me, setMe] = useState<WhoAmIView | null>(null);
  const [loginError, setLoginError] = useState('');
  const [data, setData] = useState<PageData>(EMPTY);
  const [live, setLive] = useState('connecting');
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [actionError, setActionError] = useState('');
  const tokenRef = useRef(token);
  tokenRef.current = token;

  /** Which refresh each piece of the page shows (latest.ts): refreshes run concurrently. */
  const latest = useRef(new LatestAnswers());

  const logout = useCallback((why = '') => {
    latest.current.reset();
    storeToken(null);
    setToken(null);
    setMe(null);
    setData(EMPTY);
    setLoginError(why);
  }, []);

  /**
   * Fetches again what changed; a cluster's view and rollouts only for the clusters named. A refresh
   * that fails for any reason but a refused token is asked again, backing off (retry.ts), until it
   * gets through or the tab logs out; refreshes that fail meanwhile join that one retry.
   */
  const retry = useRef<
    { what: RefreshWhat; attempt: number; timer: ReturnType<typeof setTimeout> } | undefined
  >(undefined);
  const refresh = useCallback(
    async function load(what: RefreshWhat, attempt = 0): Promise<void> {
      const t = tokenRef.current;
      if (!t) return;
      const seq = latest.current.start();
      try {
        const [hosts, clusters, events] = await Promise.all([
          what.hosts ? getJson<{ hosts: HostView[] }>(t, '/v1/hosts') : undefined,
          what.clusters ? getJson<{ clusters: ClusterSummary[] }>(t, '/v1/clusters') : undefined,
          what.events ? getJson<{ events: EventView[] }>(t, '/v1/events?limit=200') : undefined,
        ]);
        const names = what.cluster ?? clusters?.clusters.map((c) => c.name) ?? [];
        const per = await Promise.all(
          names.map(async (n) => {
            try {
              const [view, rs] = await Promise.all([
                getJson<ClusterView>(t, clusterPath(n)),
                getJson<{ rollouts: RolloutView[] }>(t, clusterPath(n, '/rollouts')),
              ]);
              return { n, view, rollouts: rs.rollouts };
            } catch (err) {
              if (err instanceof ApiError && err.status === 404) return { n, view: null, rollouts: [] };
              throw err;
            }
          }),
        );
        // Only what no later refresh has already shown (decided here, once, not in the updater).
        const take = <T,>(piece: string, answer: T | undefined): T | undefined =>
          answer !== undefined && latest.current.accept(piece, seq) ? answer : undefined;
        const newHosts = take('hosts', hosts)?.hosts;
        const newClusters = take('clusters', clusters)?.clusters;
        const newEvents = take('events', events)?.events;
        const newPer = per.filter((p) => take(`cluster:${p.n}`, p) !== undefined);
        setData((d) => {
          const views = { ...d.views };
          const rollouts = { ...d.rollouts };
          for (const p of newPer) {
            if (p.view) views[p.n] = p.view;
            else delete views[p.n];
            rollouts[p.n] = p.rollouts;
          }
          return {
            hosts: newHosts ?? d.hosts,
            clusters: newClusters ?? d.clusters,
            views,
            rollouts,
            events: newEvents ?? d.events,
          };
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) logout('the token was refused; log in again');
        else {
          const pending = retry.current;
          if (pending) clearTimeout(pending.timer);
          const next = mergeRefresh(pending?.what, what);
          const n = Math.max(attempt, pending?.attempt ?? 0);
          retry.current = {
            what: next,
            attempt: n,
            timer: setTimeout(() => {
              retry.current = undefined;
              void load(next, n + 1);
            }, refreshRetryDelayMs(n)),
          };
        }
      }
    },
    [logout],
  );

  // Log in: check the token, then load everything and follow the stream.
  useEffect(() => {
    if (!token) return;
    const ctl = new AbortController();
    getJson<WhoAmIView>(token, '/v1/whoami').then(
      (who) => {
        setMe(who);
        void refresh({ hosts: true, clusters: true, events: true });
        openLiveStream(
          token,
          {
            onEvent: (e) => {
              setData((d) => ({ ...d, events: [e, ...d.events.filter((x) => x.id !== e.id)].slice(0, 500) }));
              void refresh({
                hosts: e.host !== null,
                clusters: true,
                ...(e.cluster ? { cluster: [e.cluster] } : {}),
              });
            },
            onStatus: (changes) => {
              const clusters = changes.filter((c) => c.kind === 'cluster').map((c) => c.name);
              void refresh({
                hosts: changes.some((c) => c.kind === 'host'),
                clusters: true,
                cluster: clusters,
              });
            },
            onState: (state, why) => {
              setLive(state === 'connected' ? 'live' : `${state}${why ? `: ${why}` : ''}`);
              // After a break, events may have been missed by the views (not by the timeline: it resumes).
              if (state === 'connected') void refresh({ hosts: true, clusters: true });
              if (state === 'refused') logout('the token was refused; log in again');
            },
          },
          ctl.signal,
        );
      },
      (err: unknown) => logout(err instanceof Error ? err.message : String(err)),
    );
    return () => ctl.abort();
  }, [token, refresh, logout]);

  if (!token || !me)
    return (
      <Login
        error={loginError}
        onToken={(t) => {
          storeToken(t);
          setLoginError('');
          setToken(t);
        }}
      />
    );

  const can = (scope: 'write' | 'exec') => me.scopes.includes('admin') || me.scopes.includes(scope);
  const ask = can('write')
    ? (p: PendingAction) => {
        setActionError('');
        setPending(p);
      }
    : undefined;

  return (
    <>
      <header>
        <strong>hactl console</strong>
        <span class="grow" />
        <span class="live" data-testid="live-state">
          stream: {live}
        </span>
        <span>
          {me.name} [{me.scopes.join(', ')}]
        </span>
        <button onClick={() => logout()}>Log out</button>
      </header>
      <main>
        {actionError && (
          <p class="error" role="alert">
            {actionError}
          </p>
        )}
        <FleetPanel hosts={data.hosts} />
        {data.clusters.map((c) => (
          <ClusterPanel key={c.name} summary={c} view={data.views[c.name]} ask={ask} />
        ))}
        <RolloutsPanel rollouts={data.rollouts} ask={ask} />
        <FailoversPanel views={data.views} />
        <EventsPanel events={data.events} />
      </main>
      {pending && (
        <Confirm
          action={pending}
          onCancel={() => setPending(null)}
          onConfirm={() => {
            setPending(null);
            postJson(token, pending.path, pending.body).then(
              () => refresh({ clusters: true, ...(pending.cluster ? { cluster: [pending.cluster] } : {}) }),
              (err: unknown) =>
                setActionError(`${pending.title}: ${err instanceof Error ? err.message : String(err)}`),
            );
          }}
        />
      )}
    </>
  );
}

render(<App />, document.getElementById('root')!);
