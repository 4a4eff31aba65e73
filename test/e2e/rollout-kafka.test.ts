import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { Lab, type ClusterStatusBody, type RolloutView } from '../src/lab/fleet.js';
import { waitFor } from '../src/lab/wait.js';
import { checkLeaderLastAtStops } from '../src/lab/leader-last.js';
import { Traffic, ZkSampler, controllerHost } from '../src/lab/kafka-traffic.js';
import { kafkaLabSpec, startZkAndKafka } from '../src/lab/kafka-lab.js';

// Lab slice: 127.0.13.0/24 (ZooKeeper .1-.3, Kafka 3.9 brokers .11-.13).
const ZK = ['rk-zk1', 'rk-zk2', 'rk-zk3'];
const KAFKA = ['rk-k1', 'rk-k2', 'rk-k3'];
const zkAddress = (i: number) => `127.0.13.${i + 1}`;
const kafkaAddress = (i: number) => `127.0.13.${i + 11}`;
const TOPIC = 'rollout-traffic';
const CHROOT = '/rk-kafka';

const kafkaSpec = (extra: Record<string, number> = {}) => kafkaLabSpec('rk-kafka', 'rk-zk', KAFKA, extra);

/** hactl's cluster status as the test polled it during the rollouts, for diagnostics. */
const statuses: { at: number; health: string; reason: string }[] = [];

async function runRollout(
  lab: Lab,
  id: string,
  onTick: (c: ClusterStatusBody) => void,
): Promise<RolloutView> {
  return waitFor(
    `rollout ${id}`,
    async () => {
      const c = await lab.cluster('rk-kafka');
      statuses.push({ at: Date.now(), health: c.status.health, reason: c.status.reason });
      onTick(c);
      const r = (await lab.api<RolloutView>('GET', `/v1/rollouts/${id}`)).body;
      if (r.state === 'paused' || r.state === 'aborted') throw new Error(`rollout ${r.state}: ${r.reason}`);
      return r.state === 'completed' ? r : undefined;
    },
    { timeoutMs: 400_000, intervalMs: 100 },
  );
}

/**
 * The checks both rollouts share, from Kafka's side and the agents' logs: three stops; before each,
 * once the previously restarted broker's new JVM had started, ZooKeeper showed all 3 brokers
 * registered and no under-replicated partition (that broker back in every ISR); never fewer than 2
 * brokers registered; every JVM ended by the agent's SIGTERM exited 143 (128 + 15, after Kafka's
 * shutdown hook) and was not counted as a crash.
 */
function checkStops(lab: Lab, zk: ZkSampler, since: number): string {
  const everything = lab.agentEvents(KAFKA, 'rk-kafka', 0);
  const events = everything.filter((e) => e.at >= since);
  const stopping = events.filter((e) => e.msg === 'process_stopping');
  expect(stopping.map((e) => e.host).sort()).toEqual([...KAFKA].sort());
  const notes = stopping.map((stop) => {
    // The last broker JVM started before this stop: the previous step's (or, for the first stop,
    // the last start before the rollout).
    const prevStart = everything.filter((e) => e.msg === 'process_started' && e.at < stop.at).at(-1)!.at;
    const window = zk.between(prevStart, stop.at);
    const whole = window.filter((x) => x.brokers === 3 && x.urp === 0);
    const around = JSON.stringify({
      zk: window.map((x) => `${x.from - stop.at}..${x.at - stop.at}:${x.brokers}/${x.urp}`),
      hactl: statuses
        .filter((x) => x.at > stop.at - 8000 && x.at < stop.at + 1000)
        .map((x) => `${x.at - stop.at}:${x.health}:${x.reason}`),
      zkErrors: `${zk.errors} (${zk.lastError})`,
    });
    expect(
      whole.length,
      `${stop.host} stopped without a sample of 3 brokers and 0 URP since ${prevStart - stop.at} ms: ${around}`,
    ).toBeGreaterThan(0);
    return `${stop.host} SIGTERM ${stop.at - whole.at(-1)!.at} ms after the last of ${whole.length} samples with 3 brokers, 0 URP`;
  });
  const all = zk.between(since, Infinity);
  expect(all.length).toBeGreaterThan(10);
  const minBrokers = Math.min(...all.map((x) => x.brokers));
  expect(minBrokers).toBeGreaterThanOrEqual(2);
  expect(events.filter((e) => e.msg === 'process_stopped').map((e) => e.code)).toEqual([143, 143, 143]);
  expect(events.filter((e) => e.msg === 'process_exited_unexpectedly')).toEqual([]);
  return `ZooKeeper sampled ${all.length}× (${zk.errors} failed reads; never fewer than ${minBrokers} brokers registered, max URP ${Math.max(...all.map((x) => x.urp))}); ${notes.join('; ')}`;
}

/**
 * Controller last, against Kafka's own record of who is controller at each stop: every broker the
 * rollout stopped before its last one was not the controller (`/controller` in ZooKeeper, the last
 * sample before the agent's process_stopping) when it was stopped. Not against one read before the
 * rollout: a controller election on a loaded machine (a broker's ZooKeeper session lost in a pause)
 * moves it, and the engine re-decides the order at each step.
 */
function checkControllerLast(lab: Lab, zk: ZkSampler, since: number, done: RolloutView): string {
  const check = checkLeaderLastAtStops(
    lab.agentEvents(KAFKA, 'rk-kafka', since),
    done.steps.map((s) => s.host),
    (at) => controllerHost(KAFKA, zk.controllerAt(at)),
    'controller',
  );
  expect(check.problems, check.said).toEqual([]);
  return `stops: ${check.said}`;
}

/** The controller in hactl's view now (its member's host). */
async function controllerNow(lab: Lab): Promise<string | undefined> {
  return (await lab.cluster('rk-kafka')).status.members.find((m) => m.mode === 'controller')?.host;
}

describe(
  'e2e: rolling restarts of real Kafka 3.9 under producer/consumer traffic',
  { timeout: 900_000 },
  () => {
    let lab: Lab;
    let traffic: Traffic;
    const zk = new ZkSampler(ZK.map((_, i) => `${zkAddress(i)}:2181`).join(','), CHROOT);

    beforeAll(async () => {
      lab = await Lab.create('rollout-kafka');
      await lab.startControlPlane();
      for (const [i, h] of ZK.entries()) await lab.startAgent(h, zkAddress(i));
      for (const [i, h] of KAFKA.entries()) await lab.startAgent(h, kafkaAddress(i));
      await lab.waitForHosts([...ZK, ...KAFKA], 60_000);
      await startZkAndKafka(lab, { name: 'rk-zk', hosts: ZK }, { name: 'rk-kafka', hosts: KAFKA });

      traffic = await Traffic.open({
        brokers: KAFKA.map((_, i) => `${kafkaAddress(i)}:9092`),
        clientId: 'hactl-rollout-e2e',
        topic: TOPIC,
        group: 'rollout-reader',
      });
      await zk.start();
    });

    afterAll(async () => {
      await zk.stop();
      await traffic?.close();
      await lab?.destroy();
    });

    it('kafka: one broker at a time, the controller last, each only after URP is back to 0; no acknowledged message lost', async () => {
      await lab.waitForHealth('rk-kafka', 'healthy');
      traffic.startSending();
      await waitFor(
        'the first acknowledged and read message',
        () => (traffic.acked.size > 0 && traffic.received.size > 0 ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const started = Date.now();
      const start = await lab.api<RolloutView>('POST', '/v1/clusters/rk-kafka/rollouts', {
        action: 'restart',
        gateTimeoutSec: 180,
      });
      expect(start.status).toBe(201);
      let maxDown = 0;
      const done = await runRollout(lab, start.body.id, (c) => {
        maxDown = Math.max(maxDown, c.status.members.filter((m) => m.process !== 'running').length);
      });
      const wallMs = Date.now() - started;
      await traffic.stopSending();
      const counts = await traffic.verify('restart rollout traffic');
      console.log(
        `kafka 3.9 rolling restart: ${wallMs} ms wall; steps: ${done.steps.map((s) => `${s.host}: ${s.note}`).join('; ')}`,
      );
      console.log(counts);

      expect(done.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
      console.log(checkControllerLast(lab, zk, started, done));
      expect(maxDown).toBeLessThanOrEqual(1);
      const { body } = await lab.api<{ events: { type: string; message: string; cluster: string }[] }>(
        'GET',
        '/v1/events?cluster=rk-kafka&limit=100',
      );
      expect(body.events.filter((e) => e.type === 'lease.granted')).toHaveLength(3);
      console.log(checkStops(lab, zk, started));
      expect(traffic.acked.size).toBeGreaterThan(100);
      expect(traffic.lost()).toEqual([]);
      // The stops were the agent's own (exit 143 is clean): no automatic restart was counted.
      const after = await lab.waitForHealth('rk-kafka', 'healthy');
      for (const m of after.status.members) expect(m.restarts).toBe(0);
    });

    it('kafka: a config change rolls through the brokers the same way, never two down at once, no acknowledged message lost', async () => {
      await lab.waitForHealth('rk-kafka', 'healthy');
      traffic.startSending();
      const started = Date.now();
      const ledBefore = await controllerNow(lab);
      const change = await lab.api<{ revision: number; rollout: string; restartOrder: string[] }>(
        'PUT',
        '/v1/clusters/rk-kafka',
        kafkaSpec({ 'num.network.threads': 4 }),
      );
      expect(change.status).toBe(200);
      expect(change.body.rollout).toBeTruthy();
      // The answer's order is the engine's when it took the first step: the active controller (in
      // hactl's view just before or just after the PUT) last.
      expect(change.body.restartOrder).toHaveLength(3);
      expect([ledBefore, await controllerNow(lab)]).toContain(change.body.restartOrder[2]!.split(' ')[0]);
      let maxDown = 0;
      const applied = await runRollout(lab, change.body.rollout, (c) => {
        maxDown = Math.max(maxDown, c.status.members.filter((m) => m.process !== 'running').length);
      });
      const wallMs = Date.now() - started;
      await traffic.stopSending();
      const counts = await traffic.verify('restart + apply rollout traffic (cumulative)');
      console.log(
        `kafka 3.9 apply rollout: ${wallMs} ms wall; steps: ${applied.steps.map((s) => `${s.host}: ${s.note}`).join('; ')}`,
      );
      console.log(counts);
      expect(applied.steps.map((s) => s.state)).toEqual(['done', 'done', 'done']);
      console.log(checkControllerLast(lab, zk, started, applied));
      expect(maxDown).toBeLessThanOrEqual(1);
      console.log(checkStops(lab, zk, started));
      expect(traffic.lost()).toEqual([]);
      // The new setting is in every broker's server.properties.
      for (const [i, host] of KAFKA.entries()) {
        expect(
          fs.readFileSync(
            path.join(lab.dir, host, 'data/kafka/rk-kafka', String(i + 1), 'conf/server.properties'),
            'utf8',
          ),
        ).toMatch(/^num\.network\.threads=4$/m);
      }
    });

    it('kafka: after six broker restarts, a new consumer group reads every acknowledged message from the start', async () => {
      const audit = traffic.kafka.consumer({
        groupId: 'rollout-audit',
        sessionTimeout: 10_000,
        heartbeatInterval: 1000,
      });
      const seen = new Set<number>();
      await audit.connect();
      try {
        await audit.subscribe({ topic: TOPIC, fromBeginning: true });
        await audit.run({
          eachMessage: async ({ message }) => void seen.add(Number(message.value?.toString())),
        });
        await waitFor(
          'the audit consumer to read every acknowledged message',
          () => ([...traffic.acked].every((s) => seen.has(s)) ? true : undefined),
          { timeoutMs: 60_000, intervalMs: 200 },
        ).catch(() => undefined);
      } finally {
        await audit.disconnect();
      }
      const missing = [...traffic.acked].filter((s) => !seen.has(s));
      console.log(
        `audit: ${traffic.acked.size} acknowledged, ${seen.size} distinct read from the beginning, ${missing.length} missing`,
      );
      expect(missing).toEqual([]);
    });
  },
);
