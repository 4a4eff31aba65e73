/**
 * The control plane under test, in a process of its own (so its RSS and event loop are its own):
 * a real one (startControlPlane, SQLite on a temp dir, production timings) driven over IPC. It
 * times Fleet.recordStatus and the whole report path (the agent's sentAt → handled; same machine,
 * same clock) and samples event-loop delay while asked to.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { nullLogger } from '@hactl/shared';
import { startControlPlane, type RunningControlPlane } from '../../../control-plane/dist/server.js';
import { defaultConfig } from '../../../control-plane/dist/config.js';
import { serve, wallNow, type Request } from './ipc.js';
import { summarize } from './stats.js';

let cp: RunningControlPlane | undefined;
let dir = '';
let hosts: string[] = [];
let eld: IntervalHistogram | undefined;
/** The histogram records each whole sampling interval; the delay is what exceeds it. */
const ELD_RESOLUTION_MS = 5;
let handled: number[] | undefined;
let endToEnd: number[] | undefined;

const zookeeper = {
  kind: 'zookeeper',
  distribution: { home: '/usr/share/zookeeper' },
  members: [
    { host: 'b0', id: 1 },
    { host: 'b1', id: 2 },
    { host: 'b2', id: 3 },
  ],
};
/** A Storm cluster with a supervisor on every host but the first four: a change touches them all. */
const storm = (timeoutSecs: number) => ({
  kind: 'storm',
  distribution: { home: '/opt/storm' },
  zookeeper: 'zk-bench',
  nimbus: { hosts: ['b3'] },
  supervisors: { hosts: hosts.slice(4), slots: [6700, 6701] },
  settings: { 'topology.message.timeout.secs': timeoutSecs },
});

function running(): RunningControlPlane {
  if (!cp) throw new Error('control plane not started');
  return cp;
}

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.op) {
    case 'start': {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-bench-'));
      hosts = Array.from({ length: req.agents as number }, (_, i) => `b${i}`);
      cp = await startControlPlane(
        {
          ...defaultConfig(),
          dataDir: dir,
          http: { host: '127.0.0.1', port: 0 },
          grpc: { host: '127.0.0.1', port: 0 },
          insecure: true,
          reportIntervalMs: req.reportIntervalMs as number,
        },
        nullLogger,
      );
      const fleet = cp.fleet;
      const recordStatus = fleet.recordStatus.bind(fleet);
      fleet.recordStatus = (hostId, update) => {
        const t0 = performance.now();
        recordStatus(hostId, update);
        if (!handled || !endToEnd) return;
        handled.push(performance.now() - t0);
        if (update.sentAt) endToEnd.push(wallNow() - update.sentAt);
      };
      // The first admin token: the REST timings call as admin (issue 12).
      const token = fs.readFileSync(path.join(dir, 'admin.token'), 'utf8').trim();
      return { grpcPort: cp.grpcPort, httpPort: cp.httpPort, token };
    }
    case 'apply-base': {
      const t0 = wallNow();
      running().fleet.applyCluster('zk-bench', zookeeper, { author: 'bench', message: '' });
      running().fleet.applyCluster('storm-bench', storm(30), { author: 'bench', message: '' });
      return { t0, applyMs: wallNow() - t0 };
    }
    case 'change': {
      const t0 = wallNow();
      running().fleet.applyCluster('storm-bench', storm(req.timeoutSecs as number), {
        author: 'bench',
        message: '',
      });
      return { t0, applyMs: wallNow() - t0 };
    }
    case 'measure': {
      if (req.on) {
        handled = [];
        endToEnd = [];
        eld = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
        eld.enable();
        return {};
      }
      eld?.disable();
      const out = {
        handled: summarize(handled ?? []),
        endToEnd: summarize(endToEnd ?? []),
        eldP99: (eld?.percentile(99) ?? NaN) / 1e6 - ELD_RESOLUTION_MS,
        eldMax: (eld?.max ?? NaN) / 1e6 - ELD_RESOLUTION_MS,
        rssMb: Math.round(process.memoryUsage().rss / 2 ** 20),
      };
      handled = endToEnd = undefined;
      return out;
    }
    case 'exit':
      await cp?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      setTimeout(() => process.exit(0), 10);
      return {};
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

serve(handle);
