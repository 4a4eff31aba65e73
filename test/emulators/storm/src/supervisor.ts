import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  canBind,
  closeServer,
  listen,
  openClusterSession,
  renderJavaMap,
  trackConnections,
} from './daemon-common.js';
import { confNum, confPorts, confStr, type StormConf } from './config.js';
import { serveThrift } from './thrift-rpc.js';
import { encodeSupervisorInfo, type SupervisorInfo } from './thrift.js';
import { STORM_VERSION } from './version.js';
import type { Logger } from './log.js';
import type { RunningDaemon } from './nimbus.js';
import type { Zk } from './zk.js';

export interface SupervisorDeps {
  conf: StormConf;
  host: string;
  /** The machine's IP (InetAddress.getLocalHost()), the suffix of a 2.x supervisor id (`<uuid>-<ip>`). */
  ip: string;
  log: (logger: string) => Logger;
  nowSecs(): number;
  exit(code: number): void;
}

/**
 * The supervisor id survives restarts (2.x keeps it in the supervisor's LocalState). The emulator
 * keeps it in a plain file under storm.local.dir/supervisor.
 */
export function loadOrCreateSupervisorId(localDir: string, ip: string): string {
  const dir = path.join(localDir, 'supervisor');
  const file = path.join(dir, 'emulator-supervisor-id');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8').trim();
  const id = `${randomUUID()}-${ip}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(file, `${id}\n`);
  return id;
}

/** SupervisorHeartbeat.buildSupervisorInfo with no workers running. */
export function planSupervisorInfo(p: {
  id: string;
  host: string;
  conf: StormConf;
  nowSecs: number;
  startSecs: number;
}): SupervisorInfo {
  const schedulerMeta = p.conf['supervisor.scheduler.meta'];
  return {
    time_secs: p.nowSecs,
    hostname: p.host,
    assignment_id: p.id,
    used_ports: [],
    meta: confPorts(p.conf, 'supervisor.slots.ports'),
    ...(schedulerMeta && typeof schedulerMeta === 'object'
      ? {
          scheduler_meta: new Map(
            Object.entries(schedulerMeta as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
          ),
        }
      : {}),
    uptime_secs: p.nowSecs - p.startSecs,
    version: STORM_VERSION,
    // Keys as real 2.8.3 writes them (test/recorded/supervisor-info-storm2.8.3.bin.gz), in its order.
    resources_map: new Map([
      ['cpu.pcore.percent', confNum(p.conf, 'supervisor.cpu.capacity')],
      ['memory.mb', confNum(p.conf, 'supervisor.memory.capacity.mb')],
    ]),
    server_port: confNum(p.conf, 'supervisor.thrift.port'),
  };
}

export async function runSupervisor(deps: SupervisorDeps): Promise<RunningDaemon | undefined> {
  const { conf, host } = deps;
  const log = deps.log('org.apache.storm.daemon.supervisor.Supervisor');
  const thriftPort = confNum(conf, 'supervisor.thrift.port');
  const id = loadOrCreateSupervisorId(confStr(conf, 'storm.local.dir'), deps.ip);
  const startSecs = deps.nowSecs();
  let zk: Zk | undefined;
  let stopping = false;

  log.info(`Starting Supervisor with conf ${renderJavaMap(conf)}`);
  // 2.x supervisors serve Thrift on supervisor.thrift.port (assignments pushed by nimbus). Slot
  // ports are not probed at start-up; a busy slot port only fails the worker launched on it.
  if (!(await canBind(host, thriftPort))) {
    log.error(
      `Error on initialization of supervisor: java.net.BindException: Address already in use (${host}:${thriftPort})`,
    );
    deps.exit(13);
    return undefined;
  }

  const heartbeat = async (): Promise<void> => {
    if (!zk || stopping) return;
    const info = planSupervisorInfo({ id, host, conf, nowSecs: deps.nowSecs(), startSecs });
    await zk.setEphemeral(`/supervisors/${id}`, encodeSupervisorInfo(info));
  };
  const fail = (err: Error): void => {
    if (stopping) return;
    log.error(`Error when processing event ${err.stack ?? err.message}`);
    deps.exit(20);
  };
  const startSession = async (): Promise<void> => {
    zk = await openClusterSession(conf, () => {
      if (stopping) return;
      // Curator's connection state listener; the session's ephemerals are gone at this point.
      deps
        .log('org.apache.storm.shade.org.apache.curator.framework.state.ConnectionStateManager')
        .info('State change: LOST');
      zk?.close();
      startSession().catch(fail);
    });
    await heartbeat();
  };
  await startSession();

  const timer = setInterval(
    () => {
      heartbeat().catch(fail);
    },
    confNum(conf, 'supervisor.heartbeat.frequency.secs') * 1000,
  );

  const server = trackConnections(net.createServer());
  serveThrift(
    server,
    () => Promise.resolve(undefined),
    () => undefined,
  );
  await listen(server, host, thriftPort);
  log.info(`Starting supervisor for storm version '${STORM_VERSION}'.`);
  log.info(`Starting supervisor with id ${id} at host ${host}.`);

  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      log.info(`Shutting down supervisor ${id}`);
      await closeServer(server);
      zk?.close();
    },
  };
}
