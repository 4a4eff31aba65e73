/**
 * Durability: acknowledged PUTs while the control plane is SIGKILLed and restarted, then every
 * acknowledged revision read back (same spec) and `PRAGMA integrity_check` on the store, opened
 * read-only after the control plane has stopped.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { REPO_ROOT, rest, sleep, type ControlPlane, type Outcome } from './harness.js';
import { DURABILITY_HOST } from './specs.js';

interface Ack {
  cluster: string;
  revision: number;
  value: number;
}

/** better-sqlite3 from the control plane's own dependencies (the bench package does not depend on it). */
type Db = { pragma(s: string): unknown; close(): void };
type DbCtor = new (file: string, opts: { readonly: boolean; fileMustExist: boolean }) => Db;
const Database = createRequire(path.join(REPO_ROOT, 'control-plane/package.json'))(
  'better-sqlite3',
) as DbCtor;

const WRITERS = 2;

function spec(cluster: string, i: number, value: number) {
  const base = 22000 + i * 10;
  return {
    name: cluster,
    kind: 'zookeeper',
    distribution: { home: '/usr/share/zookeeper' },
    settings: { maxClientCnxns: value },
    members: [
      {
        host: DURABILITY_HOST.name,
        id: 1,
        clientPort: base,
        peerPort: base + 1,
        electionPort: base + 2,
        adminPort: 0,
      },
    ],
  };
}

export async function runDurability(
  cp: ControlPlane,
  puts: number,
  kills: number,
): Promise<{ outcomes: Outcome[]; summary: string }> {
  const acks: Ack[] = [];
  let attempts = 0;
  let failed = 0;
  let done = false;
  const perWriter = Math.ceil(puts / WRITERS);
  const writer = async (i: number) => {
    const cluster = `zk-d${i}`;
    for (let n = 1; n <= perWriter; n++) {
      for (;;) {
        attempts++;
        const r = await rest(cp, 'PUT', `/v1/clusters/${cluster}?rollout=false`, {
          json: spec(cluster, i, n),
          timeoutMs: 10_000,
        });
        const rev = (r.json as { revision?: number } | undefined)?.revision;
        if (r.status === 200 && typeof rev === 'number') {
          acks.push({ cluster, revision: rev, value: n });
          break;
        }
        failed++;
        await sleep(100);
      }
    }
  };
  const killer = async () => {
    const every = Math.max(1, Math.floor(puts / (kills + 1)));
    for (let k = 1; k <= kills; k++) {
      while (acks.length < every * k && !done) await sleep(5);
      if (done) return;
      await cp.stop('SIGKILL');
      await cp.start();
    }
  };
  const killing = killer();
  await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));
  done = true;
  await killing;

  // A last restart, so what is read back is what the store kept.
  await cp.stop('SIGKILL');
  await cp.start();
  const outcomes: Outcome[] = [];
  let missing = 0;
  for (const a of acks) {
    const r = await rest(cp, 'GET', `/v1/clusters/${a.cluster}/revisions/${a.revision}`);
    const got = (r.json as { spec?: { settings?: { maxClientCnxns?: unknown } } } | undefined)?.spec?.settings
      ?.maxClientCnxns;
    if (r.status !== 200 || got !== a.value) {
      missing++;
      outcomes.push({
        surface: 'durability',
        name: `acknowledged ${a.cluster} revision ${a.revision}`,
        input: `PUT ${a.cluster} maxClientCnxns=${a.value} → revision ${a.revision}`,
        answer: `${r.status} ${r.text.slice(0, 200)}`,
        cls: 'lost',
      });
    }
  }
  await cp.stop('SIGTERM');
  const db = new Database(cp.dbFile, { readonly: true, fileMustExist: true });
  const integrity = db.pragma('integrity_check') as { integrity_check: string }[];
  db.close();
  const ok = integrity.length === 1 && integrity[0]!.integrity_check === 'ok';
  outcomes.push({
    surface: 'durability',
    name: 'SQLite integrity check',
    input: `PRAGMA integrity_check after ${kills + 1} SIGKILLs`,
    answer: integrity.map((r) => r.integrity_check).join('; '),
    cls: ok ? 'good' : 'lost',
  });
  for (let i = 0; i < acks.length - missing; i++)
    outcomes.push({
      surface: 'durability',
      name: 'acknowledged revision kept',
      input: '',
      answer: '',
      cls: 'good',
    });
  const summary =
    `${acks.length} acknowledged PUTs (${attempts} attempts, ${failed} unanswered or refused while the control plane was down) ` +
    `across ${kills} SIGKILLs during writes and one before the read-back: ` +
    `${acks.length - missing} kept, ${missing} lost; integrity_check ${ok ? 'ok' : 'FAILED'}`;
  return { outcomes, summary };
}
