/**
 * The gRPC half of the battery: hellos with bad fields, a second session under a connected name,
 * reports about instances the host does not run, probes stamped in the future, oversized messages,
 * a stream that never says hello, and lease requests for instances that are not the caller's.
 */
import * as grpc from '@grpc/grpc-js';
import type { AgentMessage, Hello, InstanceStatus } from '@hactl/proto';
import { Session, describeFirst, helloFor, runningStatus, type First } from './agents.js';
import { rest, show, sleep, type Class, type ControlPlane, type Outcome } from './harness.js';
import { HOSTS } from './specs.js';

const REFUSALS = new Set([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.ALREADY_EXISTS,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.NOT_FOUND,
  grpc.status.PERMISSION_DENIED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.OUT_OF_RANGE,
]);

/** A refusal names the field when its details hold one of `mention`. */
function classifyFirst(f: First | undefined, mention: RegExp, alive: boolean): Class {
  if (!alive) return 'crash';
  if (!f || f.kind === 'timeout') return 'unclear';
  if (f.kind === 'welcome') return 'accepted';
  if (f.kind === 'end') return 'crash';
  if (!REFUSALS.has(f.code)) return 'crash';
  return mention.test(f.details) ? 'good' : 'unclear';
}

interface Ctx {
  cp: ControlPlane;
  target: string;
  sessions: Map<string, Session>;
  out: Outcome[];
}

function record(ctx: Ctx, name: string, input: string, answer: string, cls: Class): void {
  ctx.out.push({
    surface: 'gRPC',
    name,
    input,
    answer: ctx.cp.alive() ? answer : `${answer} — the control plane died`,
    cls,
  });
}

async function helloCase(ctx: Ctx, name: string, hello: Hello, mention: RegExp): Promise<void> {
  const s = new Session(ctx.target, hello);
  const f = await s.first;
  s.close();
  record(
    ctx,
    name,
    `hello ${show({ name: hello.name, address: hello.address, facts: { dataRoot: hello.facts?.dataRoot, labels: hello.facts?.labels } }, 200)}`,
    describeFirst(f),
    classifyFirst(f, mention, ctx.cp.alive()),
  );
}

/** The cluster's JSON as GET /v1/clusters/NAME answers it. */
async function clusterText(ctx: Ctx, name: string): Promise<string> {
  return (await rest(ctx.cp, 'GET', `/v1/clusters/${name}`)).text;
}

type Member = { host: string; mode: string; lastProbe: string | null; detail: string; process: string };
async function member(ctx: Ctx, cluster: string, host: string): Promise<Member | undefined> {
  const r = await rest(ctx.cp, 'GET', `/v1/clusters/${cluster}`);
  return (r.json as { status?: { members?: Member[] } } | undefined)?.status?.members?.find(
    (m) => m.host === host,
  );
}

function lease(
  s: Session,
  host: string,
  instanceId: string,
): Promise<string | { granted: boolean; reason: string; leaseId: string }> {
  return new Promise((resolve) =>
    s.client.AcquireLease({ host, instanceId, reason: 'battery' }, (err, res) => {
      if (err) resolve(`${grpc.status[err.code] ?? err.code}: ${err.details}`);
      else resolve(res ?? 'no answer');
    }),
  );
}

function sessionOf(ctx: Ctx, name: string): Session {
  const s = ctx.sessions.get(name);
  if (!s) throw new Error(`no session for ${name}`);
  return s;
}

export async function runGrpc(ctx: Ctx): Promise<void> {
  // Opened first, judged last: the control plane's hello deadline is 30 s.
  const silent = new Session(ctx.target, null, { timeoutMs: 45_000 });
  const silentStarted = Date.now();

  const at = (i: number) => `127.0.16.${100 + i}`;
  let n = 0;
  for (const name of ['', '-x', 'a b', 'x'.repeat(300), 'ü', 'a/b', '../x', 'a\n'])
    await helloCase(ctx, `hello name ${show(name, 30)}`, helloFor(name, at(n++)), /hello\.name/);
  for (const address of [
    '',
    'localhost',
    '999.1.1.1',
    '1.2.3',
    '127.0.0.1:80',
    ' 127.0.0.1',
    '0.0.0.0',
    '::',
    '255.255.255.255',
    '224.0.0.1',
  ])
    await helloCase(
      ctx,
      `hello address ${show(address)}`,
      helloFor(`g-addr-${n++}`, address),
      /hello\.address/,
    );
  await helloCase(
    ctx,
    "hello with another connected host's address",
    helloFor('g-twin', HOSTS[0]!.address),
    /hello\.address|address/,
  );
  for (const dataRoot of ['', 'relative', '/', '/a/../b', '/a,b', '/a\nb', '/a\u0085b', '/a\uFFFEb']) {
    const h = helloFor(`g-root-${n}`, at(n++));
    h.facts = { ...h.facts, dataRoot };
    await helloCase(ctx, `hello data root ${show(dataRoot)}`, h, /dataRoot/);
  }
  const labelSets: Record<string, string>[] = [
    { 'bad key': 'x' },
    { rack: 'x'.repeat(70) },
    { rack: 'a\nb' },
    { '': 'x' },
    JSON.parse('{"__proto__":"x"}') as Record<string, string>,
    { rack: 'ü' },
  ];
  for (const labels of labelSets) {
    const h = helloFor(`g-label-${n}`, at(n++));
    h.facts = { ...h.facts, labels };
    await helloCase(ctx, `hello labels ${show(labels, 60)}`, h, /labels/);
  }
  {
    const h = helloFor('g-huge', at(n++));
    h.facts = { ...h.facts, hostname: 'x'.repeat(5 * 1024 * 1024) };
    const s = new Session(ctx.target, h, { channel: { 'grpc.max_send_message_length': -1 } });
    const f = await s.first;
    s.close();
    record(
      ctx,
      'hello of 5 MiB',
      'hello with a 5 MiB facts.hostname',
      describeFirst(f),
      classifyFirst(f, /./, ctx.cp.alive()),
    );
  }

  // A second session under the name of a connected host.
  {
    const h1 = sessionOf(ctx, 'h1');
    const s = new Session(ctx.target, helloFor('h1', HOSTS[0]!.address));
    const f = await s.first;
    await sleep(300);
    const firstEnded = h1.ended;
    s.close();
    let cls = classifyFirst(f, /h1|connected|session|already/, ctx.cp.alive());
    if (firstEnded && cls === 'good') cls = 'unclear';
    record(
      ctx,
      'second session under a connected name',
      'hello as h1 while h1 is connected',
      `${describeFirst(f)}${firstEnded ? `; the first session ended: ${describeFirst(firstEnded)}` : '; the first session stays'}`,
      cls,
    );
    if (firstEnded) await reconnect(ctx, 'h1');
  }
  {
    const s = new Session(ctx.target, null);
    s.call.write({ status: { appliedGeneration: 1, applyError: '', instances: [], sentAtMs: Date.now() } });
    const f = await s.first;
    s.close();
    record(
      ctx,
      'status before hello',
      'a status report as the first message',
      describeFirst(f),
      classifyFirst(f, /hello/, ctx.cp.alive()),
    );
  }
  /** A session that is welcomed, then sends `msg`: the stream should end with a status naming the problem. */
  const afterWelcome = async (name: string, input: string, msg: AgentMessage, mention: RegExp) => {
    const s = new Session(ctx.target, helloFor(`g-${n}`, at(n++)), {
      channel: { 'grpc.max_send_message_length': -1 },
    });
    await s.first;
    s.call.write(msg);
    const f = await s.endedWithin(5000);
    s.close();
    record(
      ctx,
      name,
      input,
      f ? describeFirst(f) : 'stream kept',
      f ? classifyFirst(f, mention, ctx.cp.alive()) : 'accepted',
    );
  };
  await afterWelcome(
    'hello twice on one stream',
    'a second hello after the welcome',
    { hello: helloFor(`g-${n}`, at(n)) },
    /hello/,
  );
  const report = (instances: InstanceStatus[]): AgentMessage => ({
    status: { appliedGeneration: 0, applyError: '', instances, sentAtMs: Date.now() },
  });
  await afterWelcome(
    'status of 5 MiB',
    'a status report with a 5 MiB detail',
    report([{ ...runningStatus('zk-main/zk-1'), detail: 'x'.repeat(5 * 1024 * 1024) }]),
    /./,
  );
  await afterWelcome(
    'status with 1,001 instances',
    'a status report listing 1,001 instances',
    report(Array.from({ length: 1001 }, (_, i) => runningStatus(`zk-main/zk-${i}`))),
    /instances/,
  );

  // Reports about instances the host does not run must not change those instances' status.
  const h1 = sessionOf(ctx, 'h1');
  const h4 = sessionOf(ctx, 'h4');
  const nimbus = h4.instances.find((i) => i.cluster === 'storm-main')!;
  for (const [label, id, cluster] of [
    ["another host's instance", nimbus.id, 'storm-main'],
    ['an instance that does not exist', 'zk-main/zk-99', 'zk-main'],
  ] as const) {
    const marker = `BATTERY-${label.replace(/\W+/g, '-')}`;
    h1.report([{ ...runningStatus(id), process: 'crashed', detail: marker }]);
    await sleep(1500);
    const stored = (await clusterText(ctx, cluster)).includes(marker);
    record(
      ctx,
      `status for ${label}`,
      `h1 reports ${id} crashed`,
      stored ? `stored: ${cluster} shows the report` : 'ignored',
      ctx.cp.alive() ? (stored ? 'accepted' : 'good') : 'crash',
    );
  }
  {
    const s = new Session(ctx.target, {
      ...helloFor('g-stat', at(n++)),
      status: {
        appliedGeneration: 0,
        applyError: '',
        instances: [
          { ...runningStatus(h1.instances[0]!.id), process: 'crashed', detail: 'BATTERY-hello-status' },
        ],
        sentAtMs: Date.now(),
      },
    });
    await s.first;
    await sleep(1500);
    const stored = (await clusterText(ctx, 'zk-main')).includes('BATTERY-hello-status');
    s.close();
    record(
      ctx,
      "hello reporting another host's instance",
      `hello from g-stat with ${h1.instances[0]!.id} crashed`,
      stored ? 'stored' : 'ignored',
      ctx.cp.alive() ? (stored ? 'accepted' : 'good') : 'crash',
    );
  }
  {
    const h5 = sessionOf(ctx, 'h5');
    const saved = h5.generation;
    h5.generation = 999_999;
    h5.report();
    h5.generation = saved;
    await sleep(1500);
    const hosts = (await rest(ctx.cp, 'GET', '/v1/hosts')).json as {
      hosts?: { name: string; generation: number; appliedGeneration: number }[];
    };
    const row = hosts.hosts?.find((h) => h.name === 'h5');
    const stored = row !== undefined && row.appliedGeneration > row.generation;
    record(
      ctx,
      'applied generation from the future',
      'h5 reports appliedGeneration 999999',
      row ? `host shows generation ${row.generation}, applied ${row.appliedGeneration}` : 'h5 missing',
      ctx.cp.alive() ? (stored ? 'accepted' : 'good') : 'crash',
    );
    h5.report();
  }
  for (const [label, probeJson] of [
    ['garbage probe JSON', '{not json'],
    ['probe JSON of 100 KB', JSON.stringify({ ok: true, pad: 'x'.repeat(100_000) })],
    ['probe JSON nested 10,000 deep', '['.repeat(10_000) + ']'.repeat(10_000)],
  ] as const) {
    const h3 = sessionOf(ctx, 'h3');
    const id = h3.instances.find((i) => i.cluster === 'zk-main')!.id;
    h3.overrides.set(id, { probeAtMs: Date.now(), probeJson });
    h3.report();
    await sleep(800);
    const m = await member(ctx, 'zk-main', 'h3');
    const ok = ctx.cp.alive() && !h3.ended && m !== undefined && m.mode === 'unknown';
    record(
      ctx,
      label,
      `h3 reports its ZooKeeper member with ${show(probeJson, 40)}`,
      m
        ? `member mode ${m.mode}, detail ${show(m.detail, 100)}${h3.ended ? `; stream ended ${describeFirst(h3.ended)}` : ''}`
        : 'member missing',
      ctx.cp.alive() ? (ok ? 'good' : h3.ended ? 'crash' : 'accepted') : 'crash',
    );
    h3.overrides.delete(id);
    if (h3.ended) await reconnect(ctx, 'h3');
  }
  {
    const h3 = sessionOf(ctx, 'h3');
    const id = h3.instances.find((i) => i.cluster === 'zk-main')!.id;
    h3.overrides.set(id, { process: 'exploded' });
    h3.report();
    await sleep(800);
    const m = await member(ctx, 'zk-main', 'h3');
    record(
      ctx,
      'unknown process state',
      'h3 reports process "exploded"',
      m ? `member process ${m.process}` : 'member missing',
      ctx.cp.alive() ? (m?.process === 'exploded' ? 'accepted' : 'good') : 'crash',
    );
    h3.overrides.delete(id);
    h3.report();
  }

  // A probe stamped a day ahead, then the host goes away: the member must not stay fresh.
  {
    const h2 = sessionOf(ctx, 'h2');
    const id = h2.instances.find((i) => i.cluster === 'zk-main')!.id;
    h2.overrides.set(id, {
      probeAtMs: Date.now() + 86_400_000,
      probeJson: JSON.stringify({
        ok: true,
        serving: true,
        mode: 'follower',
        version: '3.8.4',
        zxid: '0x100000002',
      }),
    });
    h2.report();
    await sleep(1500);
    const during = await member(ctx, 'zk-main', 'h2');
    h2.close();
    await sleep(6000);
    const after = await member(ctx, 'zk-main', 'h2');
    const future = during?.lastProbe ? Date.parse(during.lastProbe) - Date.now() > 60_000 : false;
    const fresh = after !== undefined && after.mode !== 'unknown';
    record(
      ctx,
      'probe stamped a day ahead, then the agent disconnects',
      'h2 reports probeAtMs = now + 24 h, then its stream ends',
      `while connected: lastProbe ${during?.lastProbe ?? 'none'}, mode ${during?.mode ?? '?'}; 6 s after: mode ${after?.mode ?? '?'}`,
      ctx.cp.alive() ? (future || fresh ? 'accepted' : 'good') : 'crash',
    );
    await reconnect(ctx, 'h2');
  }

  // Leases: only for an instance the asking host runs.
  const zk1 = h1.instances.find((i) => i.cluster === 'zk-main')!.id;
  for (const [label, host, id] of [
    ["another host's instance", 'h1', nimbus.id],
    ['an instance that does not exist', 'h1', 'zk-main/zk-99'],
    ['a host that is not registered', 'ghost', zk1],
    ['empty fields', '', ''],
    ['a 300-char instance id', 'h1', 'x'.repeat(300)],
  ] as const) {
    const r = await lease(h1, host, id);
    let cls: Class;
    let answer: string;
    if (typeof r === 'string') {
      answer = r;
      cls = /INVALID_ARGUMENT|NOT_FOUND|PERMISSION_DENIED|FAILED_PRECONDITION/.test(r)
        ? 'good'
        : /INTERNAL|UNKNOWN/.test(r)
          ? 'crash'
          : 'unclear';
    } else {
      answer = r.granted ? `granted (lease ${r.leaseId})` : `not granted: ${r.reason}`;
      cls = r.granted ? 'accepted' : /instance|host|not|unknown|run/.test(r.reason) ? 'good' : 'unclear';
      if (r.granted) h1.client.ReleaseLease({ leaseId: r.leaseId }, () => undefined);
    }
    record(
      ctx,
      `lease for ${label}`,
      `AcquireLease host ${show(host)} instance ${show(id, 60)}`,
      answer,
      ctx.cp.alive() ? cls : 'crash',
    );
  }

  const waited = Math.max(0, 36_000 - (Date.now() - silentStarted));
  const f = await Promise.race([silent.first, sleep(waited + 9000).then((): First => ({ kind: 'timeout' }))]);
  silent.close();
  record(
    ctx,
    'a stream that never says hello',
    'Connect, then nothing',
    `${describeFirst(f)} after ${Math.round((Date.now() - silentStarted) / 1000)} s`,
    classifyFirst(f, /hello/, ctx.cp.alive()),
  );
}

/** Opens a host's session again after a case ended it. */
export async function reconnect(ctx: Ctx, name: string): Promise<void> {
  ctx.sessions.get(name)?.close();
  const host = HOSTS.find((h) => h.name === name)!;
  const s = new Session(ctx.target, helloFor(host.name, host.address));
  ctx.sessions.set(name, s);
  const f = await s.first;
  if (f.kind !== 'welcome') throw new Error(`${name} could not reconnect: ${describeFirst(f)}`);
  await sleep(200);
}

export type { Ctx as GrpcContext };
