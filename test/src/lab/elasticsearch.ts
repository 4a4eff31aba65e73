import { BackgroundLoop } from './loop.js';

/**
 * One REST call to a lab Elasticsearch node on its HTTP port 9200, answered as the node sent it:
 * the status, the body text, and the body parsed as JSON (undefined when it is not JSON). A body
 * given in `init` is sent as JSON. Gives up after 60 s (AbortSignal), rejecting with the abort.
 */
export async function esRest(
  address: string,
  p: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(`http://${address}:9200${p}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/**
 * One REST call to a lab Elasticsearch node on 9200, returning the Response itself (for callers that
 * read `ok`, headers or a body once). A body given in `init` is sent as JSON; gives up after
 * `timeoutMs` (default 30 s, AbortSignal), rejecting with the abort.
 */
export function esAt(
  address: string,
  p: string,
  init: { method?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Response> {
  return fetch(`http://${address}:9200${p}`, {
    method: init.method ?? 'GET',
    ...(init.body === undefined
      ? {}
      : { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(init.timeoutMs ?? 30_000),
  });
}

/** The first of `addresses` that answers `p` with a 2xx, parsed; throws the last failure when none does. */
export async function esAnyNode<T>(addresses: readonly string[], p: string): Promise<T> {
  let last: unknown;
  for (const a of addresses) {
    try {
      const res = await esAt(a, p, { timeoutMs: 5000 });
      if (res.ok) return (await res.json()) as T;
      last = new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error(String(last));
}

/**
 * Numbered documents into `index`, one request in flight, each `PUT /<index>/_doc/<n>` with the number
 * as its id, so a retry after an ambiguous failure (a node dying mid-request) overwrites instead of
 * adding a second copy. A document counts as acknowledged only on a 2xx whose `_shards.failed` is 0
 * (the primary and every in-sync replica wrote it). 429, 503 (e.g. a primary being promoted, an
 * unassigned shard after the 10 s `timeout`, the no-master write block while a master is elected),
 * connection errors, `node_closed_exception` from a node shutting down and a 2xx with failed shard
 * copies are retried on the next node; anything else is a test failure (`fatal`). A number is never
 * given up, so sent = acknowledged at the end.
 */
export class EsIndexWriter {
  private next = 0;
  private node = 0;
  // One document at a time; a fatal answer ends the loop.
  private readonly loop = new BackgroundLoop(async () => {
    await this.write(this.next++);
    return !this.fatal;
  }, 5);
  acked = 0;
  attempts = 0;
  retries = 0;
  readonly retryCauses = new Map<string, number>();
  fatal: string | undefined;

  constructor(
    private readonly addresses: readonly string[],
    private readonly index: string,
  ) {}

  start(): void {
    this.loop.start();
  }

  private async write(n: number): Promise<void> {
    for (;;) {
      this.attempts++;
      // Every request through the next node: each node coordinates writes, so each restart hits some.
      const address = this.addresses[this.node]!;
      this.node = (this.node + 1) % this.addresses.length;
      let cause: string;
      try {
        const res = await esAt(address, `/${this.index}/_doc/${n}?timeout=10s`, {
          method: 'PUT',
          body: { n, at: Date.now() },
          timeoutMs: 30_000,
        });
        const body = (await res.json()) as { _shards?: { failed: number }; error?: { type?: string } };
        if (res.ok && body._shards?.failed === 0) {
          this.acked++;
          return;
        }
        if (res.ok) cause = `HTTP ${res.status} with ${body._shards?.failed ?? '?'} failed shard copies`;
        else if (res.status === 429 || res.status === 503 || body.error?.type === 'node_closed_exception')
          cause = `HTTP ${res.status} ${body.error?.type ?? ''}`.trim();
        else {
          this.fatal = `doc ${n} via ${address}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`;
          return;
        }
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        cause = e.cause?.code ?? e.name;
      }
      this.retries++;
      this.retryCauses.set(cause, (this.retryCauses.get(cause) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }

  get sent(): number {
    return this.next;
  }
}

/**
 * `_cat/shards` of `index` and `_cluster/health` sampled every 250 ms from any live node: for every
 * shard of the index, how many copies are STARTED, and the cluster status. "Never both copies down"
 * means every sample shows at least one started copy of each shard.
 */
export class EsShardSampler {
  private readonly loop = new BackgroundLoop(() => this.sample(), 250);
  readonly samples: { at: number; minStarted: number; unassigned: number; status: string }[] = [];
  failures = 0;

  constructor(
    private readonly addresses: readonly string[],
    private readonly index: string,
  ) {}

  start(): void {
    this.loop.start();
  }

  private async sample(): Promise<void> {
    try {
      const [shards, health] = await Promise.all([
        esAnyNode<{ shard: string; prirep: string; state: string }[]>(
          this.addresses,
          `/_cat/shards/${this.index}?format=json&h=shard,prirep,state`,
        ),
        esAnyNode<{ status: string }>(this.addresses, '/_cluster/health?master_timeout=2s'),
      ]);
      const started = new Map<string, number>();
      for (const s of shards)
        started.set(s.shard, (started.get(s.shard) ?? 0) + (s.state === 'STARTED' ? 1 : 0));
      this.samples.push({
        at: Date.now(),
        minStarted: Math.min(...started.values()),
        unassigned: shards.filter((s) => s.state === 'UNASSIGNED').length,
        status: health.status,
      });
    } catch {
      // no master for a moment (the elected master restarting): nothing to sample
      this.failures++;
    }
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}

/** `cluster.routing.allocation.enable` from a `GET /_cluster/settings` answer, flat or nested. */
export function allocationEnable(s: { persistent?: Record<string, unknown> }): unknown {
  return (
    s.persistent?.['cluster.routing.allocation.enable'] ??
    (s.persistent?.cluster as { routing?: { allocation?: { enable?: string } } } | undefined)?.routing
      ?.allocation?.enable
  );
}

/** One answer of `_cat/master` (EsMasterSampler). */
export interface EsMasterSample {
  /** ms since epoch when the request went out. */
  from: number;
  /** ms since epoch when the answer arrived: the master it names held the office at some moment in [from, at]. */
  at: number;
  /** The elected master's node name (`node.name`). */
  master: string;
}

/**
 * Who is the elected master as Elasticsearch itself says (`GET _cat/master` on any live node, which
 * answers from the cluster state the master published), sampled every 250 ms. No answer (no master
 * for a moment, the node asked shutting down) is counted in `failures`, not recorded: a sample
 * always names a master.
 */
export class EsMasterSampler {
  private readonly loop = new BackgroundLoop(() => this.sample(), 250);
  readonly samples: EsMasterSample[] = [];
  failures = 0;

  constructor(private readonly addresses: readonly string[]) {}

  start(): void {
    this.loop.start();
  }

  private async sample(): Promise<void> {
    const from = Date.now();
    try {
      const [row] = await esAnyNode<{ node?: string }[]>(
        this.addresses,
        '/_cat/master?format=json&h=node&master_timeout=2s',
      );
      // `-` is what _cat prints for a missing value.
      if (row?.node === undefined || row.node === '-') this.failures++;
      else this.samples.push({ from, at: Date.now(), master: row.node });
    } catch {
      this.failures++;
    }
  }

  /** The master named by the last answer that arrived before `t`, undefined when none did. */
  masterBefore(t: number): string | undefined {
    return this.samples.filter((x) => x.at < t).at(-1)?.master;
  }

  async stop(): Promise<void> {
    await this.loop.stop();
  }
}
