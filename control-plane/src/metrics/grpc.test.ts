import { describe, it, expect } from 'vitest';
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { AgentServiceHandlers } from '@hactl/proto';
import { Metrics } from './metrics.js';
import { instrumentAgentHandlers } from './grpc.js';

const empty = () => ({ clusters: [], hosts: [], rollouts: [] });

async function counts(m: Metrics): Promise<Record<string, number>> {
  const h = await m.registry.getSingleMetric('hactl_grpc_handling_seconds')!.get();
  const out: Record<string, number> = {};
  for (const v of h.values)
    if ((v as { metricName?: string }).metricName === 'hactl_grpc_handling_seconds_count')
      out[`${v.labels.method} ${v.labels.code}`] = v.value;
  return out;
}

describe('instrumentAgentHandlers', () => {
  it('times unary calls by method and status, and each Connect message; answers pass through unchanged', async () => {
    const metrics = new Metrics(empty);
    const handlers = {
      AcquireLease: (_call: unknown, cb: (e: unknown, r?: unknown) => void) => cb(null, { granted: true }),
      ReleaseLease: (_call: unknown, cb: (e: unknown, r?: unknown) => void) =>
        cb({ code: grpc.status.UNAUTHENTICATED, details: 'no' }),
      Enroll: (_call: unknown, cb: (e: unknown, r?: unknown) => void) => cb(null, {}),
      Connect: (call: EventEmitter) => call.on('data', () => undefined),
    } as unknown as AgentServiceHandlers;
    const h = instrumentAgentHandlers(handlers, metrics) as unknown as Record<
      string,
      (call: unknown, cb?: (e: unknown, r?: unknown) => void) => void
    >;
    const answers: unknown[] = [];
    h.AcquireLease!({}, (e, r) => answers.push([e, r]));
    h.ReleaseLease!({}, (e) => answers.push(e));
    const stream = new EventEmitter();
    h.Connect!(stream);
    stream.emit('data', {});
    stream.emit('data', {});
    expect(answers).toEqual([
      [null, { granted: true }],
      { code: grpc.status.UNAUTHENTICATED, details: 'no' },
    ]);
    expect(await counts(metrics)).toEqual({
      'AcquireLease OK': 1,
      'ReleaseLease UNAUTHENTICATED': 1,
      'Connect OK': 2,
    });
  });
});

describe('Metrics hooks', () => {
  it('a refusal counts once per failing gate; a renewal is no grant; failovers by trigger and outcome', async () => {
    const metrics = new Metrics(empty);
    const decision = { leaseId: '', expiresAtMs: 0, reason: '', retryAfterMs: 0 };
    metrics.onLeaseDecision(
      'zk',
      {
        ...decision,
        granted: false,
        gates: [
          { gate: 'cluster-healthy', ok: false, reason: '1/2 followers synced' },
          { gate: 'one-down', ok: false, reason: 'zk/zk-1 holds a lease' },
          { gate: 'leader-last', ok: true, reason: '' },
        ],
      },
      false,
    );
    metrics.onLeaseDecision('zk', { ...decision, granted: false, gates: [] }, false);
    metrics.onLeaseDecision('zk', { ...decision, granted: true, gates: [] }, false);
    metrics.onLeaseDecision('zk', { ...decision, granted: true, gates: [] }, true);
    metrics.onFailoverFinished({ cluster: 'storm', trigger: 'auto' }, 'completed');
    const { text } = await metrics.render();
    expect(text).toMatch(/^hactl_lease_refusals_total\{cluster="zk",gate="cluster-healthy"\} 1$/m);
    expect(text).toMatch(/^hactl_lease_refusals_total\{cluster="zk",gate="one-down"\} 1$/m);
    expect(text).toMatch(/^hactl_lease_refusals_total\{cluster="zk",gate="not-authorized"\} 1$/m);
    expect(text).not.toMatch(/gate="leader-last"/);
    expect(text).toMatch(/^hactl_lease_grants_total\{cluster="zk"\} 1$/m);
    expect(text).toMatch(/^hactl_failovers_total\{cluster="storm",trigger="auto",outcome="completed"\} 1$/m);
  });
});
