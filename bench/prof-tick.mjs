// temporary profiling harness (not committed)
import fs from 'node:fs'; import os from 'node:os'; import path from 'node:path';
import { SqliteStore } from '../control-plane/dist/store/sqlite-store.js';
import { createCore } from '../control-plane/dist/core.js';
import { nullLogger } from '@hactl/shared';
const N = Number(process.argv[2] ?? 10000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prof-'));
const store = new SqliteStore(path.join(dir, 'hactl.db'));
const core = createCore({ store, logger: nullLogger, now: () => Date.now(), reportIntervalMs: 5000, leaseTtlMs: 30000, randomId: () => 'AAAAAAAAAAAAAAAAAAAAAA', newId: () => Math.random().toString(36).slice(2) });
const fleet = core.fleet;
const hosts = Array.from({ length: N }, (_, i) => `b${i}`);
const addr = (i) => `127.1.${Math.floor(i/250)}.${i%250+1}`;
const desired = new Map();
hosts.forEach((h, i) => fleet.connectAgent({ name: h, address: addr(i), agentVersion: 'bench', dataRoot: '/var/lib/hactl', labels: {}, facts: { hostname: h, cpus: 2 } },
    { peer: '', sendDesired(g, j, s) { desired.set(h, { g, s: s ?? JSON.parse(j) }); }, sendCommand() {}, sendExec() {}, close() {} }));
const zookeeper = { kind: 'zookeeper', distribution: { home: '/usr/share/zookeeper' }, members: [{ host: 'b0', id: 1 }, { host: 'b1', id: 2 }, { host: 'b2', id: 3 }] };
const storm = (t) => ({ kind: 'storm', distribution: { home: '/opt/storm' }, zookeeper: 'zk-bench', nimbus: { hosts: ['b3'] }, supervisors: { hosts: hosts.slice(4), slots: [6700, 6701] }, settings: { 'topology.message.timeout.secs': t } });
fleet.applyCluster('zk-bench', zookeeper, { author: 'b', message: '' });
fleet.applyCluster('storm-bench', storm(30), { author: 'b', message: '' });
function probeFor(inst, i) {
  if (inst.kind === 'zookeeper') return i === 0 ? { ok: true, serving: true, mode: 'leader', version: '3.8.4', zxid: '0x100000002', syncedFollowers: 2 } : { ok: true, serving: true, mode: 'follower', version: '3.8.4', zxid: '0x100000002' };
  const up = { role: inst.role, ok: true, listening: true, registered: true };
  if (inst.role === 'nimbus') { const self = `${addr(i)}:6627`; return { ...up, leader: self, isLeader: true, queue: [self] }; }
  return { ...up, supervisorId: `a1b2c3d4-0000-4000-8000-${String(i).padStart(12, '0')}`, slots: [6700, 6701], heartbeatAgeSecs: 2 };
}
const report = () => hosts.forEach((h, i) => { const d = desired.get(h); if (!d) return; const now = Date.now();
  fleet.recordStatus(h, { appliedGeneration: d.g, applyError: '', sentAt: now, instances: d.s.instances.map((inst) => ({ id: inst.id, process: 'running', pid: 1, restarts: 0, detail: '', restartPending: false, probeAt: now - 1000, probe: probeFor(inst, i) })) }); });
report(); fleet.reconcileTick(); report();
const time = (label, fn) => { const t0 = performance.now(); fn(); return `${label} ${(performance.now() - t0).toFixed(1)}`; };
for (let r = 0; r < 5; r++) {
  report();
  console.log([time('reconcileTick', () => fleet.reconcileTick()), time('rollouts.tick', () => core.rollouts.tick()), time('failovers.tick', () => core.failovers.tick()), time('flushLiveness', () => fleet.flushLiveness()), time('listClusters(fresh)', () => { fleet.recordStatus('b5', { appliedGeneration: desired.get('b5').g, applyError: '', instances: [] }); fleet.listClusters(); }), time('clusterStatus(fresh)', () => { fleet.recordStatus('b6', { appliedGeneration: desired.get('b6').g, applyError: '', instances: [] }); fleet.clusterStatus('storm-bench'); })].join('  '));
}
