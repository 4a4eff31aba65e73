import net from 'node:net';
import os from 'node:os';
import {
  canBind,
  closeServer,
  listen,
  openClusterSession,
  renderJavaMap,
  trackConnections,
} from './daemon-common.js';
import { confNum, type StormConf } from './config.js';
import { LeaderLatch } from './leader-latch.js';
import { latchParticipantId } from './latch-plan.js';
import { createNimbusHandler } from './nimbus-service.js';
import { serveThrift } from './thrift-rpc.js';
import { encodeNimbusSummary } from './thrift.js';
import { STORM_VERSION } from './version.js';
import type { Logger } from './log.js';
import type { Zk } from './zk.js';

export interface NimbusDeps {
  conf: StormConf;
  host: string;
  /** true when storm.local.hostname set the host (NimbusInfo.fromConf logs differently). */
  hostFromConf: boolean;
  log: (logger: string) => Logger;
  nowSecs(): number;
  exit(code: number): void;
}

export interface RunningDaemon {
  stop(): Promise<void>;
}

export async function runNimbus(deps: NimbusDeps): Promise<RunningDaemon | undefined> {
  const { conf, host } = deps;
  const port = confNum(conf, 'nimbus.thrift.port');
  const nimbusInfoLog = deps.log('org.apache.storm.nimbus.NimbusInfo');
  const log = deps.log('org.apache.storm.daemon.nimbus.Nimbus');
  const electorLog = deps.log('org.apache.storm.zookeeper.LeaderElectorImp');
  const zkLog = deps.log('org.apache.storm.zookeeper.LeaderListenerCallbackFactory');
  const callbackLog = deps.log('org.apache.storm.nimbus.LeaderListenerCallback');

  if (deps.hostFromConf) nimbusInfoLog.info(`Overriding nimbus host to storm.local.hostname -> ${host}`);
  else nimbusInfoLog.info(`Nimbus figures out its name to ${host}`);

  // Nimbus.validatePortAvailable: a taken thrift port logs an error and exits with status 0.
  // The real check binds the wildcard address; emulated hosts share one kernel, so the emulator
  // checks the advertised host only.
  if (!(await canBind(host, port))) {
    log.error(`${port} is not available. Check if another process is already listening on ${port}`);
    deps.exit(0);
    return undefined;
  }

  let zk: Zk | undefined;
  let latch: LeaderLatch | undefined;
  let stopping = false;
  const startSecs = deps.nowSecs();
  const latchId = latchParticipantId(host, port);

  const fail = (err: Error): void => {
    if (stopping) return;
    log.error(`Error while processing event ${err.stack ?? err.message}`);
    deps.exit(20);
  };

  const joinElection = async (): Promise<void> => {
    if (!zk || stopping) return;
    const l = new LeaderLatch(
      zk,
      latchId,
      {
        isLeader: () => setImmediate(() => onLeader(l)),
        notLeader: () => zkLog.info(`${os.hostname()} lost leadership.`),
      },
      (err) =>
        deps
          .log('org.apache.storm.shade.org.apache.curator.framework.recipes.leader.LeaderLatch')
          .error(err.message),
    );
    latch = l;
    await l.start();
    electorLog.info('Queued up for leader lock.');
  };

  /**
   * LeaderListenerCallback.leaderCallBack, then LeaderListenerCallbackFactory's "gained leadership"
   * log. The emulator runs no topologies and keeps no blobs, so it always accepts leadership (the
   * real one first checks that it has every active topology's blobs).
   */
  const onLeader = (l: LeaderLatch): void => {
    if (!zk || l !== latch || !l.hasLeadership) return;
    callbackLog.info('Locking sync remote assignments and id-info to local');
    callbackLog.info(
      'Accepting leadership, all active topologies and corresponding dependencies found locally.',
    );
    // LeaderListenerCallbackFactory names the machine (InetAddress.getLocalHost().getCanonicalHostName()),
    // not storm.local.hostname: real 2.8.3 logged "localhost gained leadership." on 127.0.0.1.
    zkLog.info(`${os.hostname()} gained leadership.`);
  };

  const startSession = async (): Promise<void> => {
    zk = await openClusterSession(conf, () => {
      if (stopping) return;
      // Curator: ephemerals die with the session; Storm re-registers /nimbuses/<host> on reconnect.
      // Curator's connection state listener; the session's ephemerals are gone at this point.
      deps
        .log('org.apache.storm.shade.org.apache.curator.framework.state.ConnectionStateManager')
        .info('State change: LOST');
      latch?.lost();
      latch = undefined;
      zk?.close();
      startSession().catch(fail);
    });
    // StormClusterStateImpl.addNimbusHost deletes the entry first "to ensure this session creates
    // the entry": a nimbus started again before its killed predecessor's session expired would
    // otherwise overwrite the old ephemeral node, which then vanishes with that session.
    await zk.remove(`/nimbuses/${host}`);
    await zk.setEphemeral(
      `/nimbuses/${host}`,
      encodeNimbusSummary({
        host,
        port,
        uptime_secs: startSecs,
        isLeader: false,
        version: STORM_VERSION,
        tlsPort: 0,
      }),
    );
    await joinElection();
  };

  log.info(`Starting Nimbus with conf ${renderJavaMap(conf)}`);
  await startSession();

  const server = trackConnections(net.createServer());
  serveThrift(
    server,
    createNimbusHandler({
      zk: () => {
        if (!zk) throw new Error('not connected to ZooKeeper');
        return zk;
      },
      self: { host, port },
      isLeader: () => latch?.hasLeadership ?? false,
      conf,
      nowSecs: deps.nowSecs,
    }),
    (err) =>
      deps
        .log('org.apache.storm.thrift.server.AbstractNonblockingServer$FrameBuffer')
        .error(`Unexpected throwable while invoking! ${err.message}`),
  );
  await listen(server, host, port);
  log.info(`Starting nimbus server for storm version '${STORM_VERSION}'`);

  return {
    async stop() {
      stopping = true;
      log.info('Shutting down master');
      await closeServer(server);
      // Closing the session removes /nimbuses/<host> and the latch node at once.
      await latch?.close().catch(() => undefined);
      zk?.close();
      log.info('Shut down master');
    },
  };
}
