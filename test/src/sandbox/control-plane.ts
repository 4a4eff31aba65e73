import path from 'node:path';

/**
 * One control plane of the sandbox: the lone one (`up`, `zk`) or replica `index` of three on one
 * PostgreSQL (`replicas`).
 *
 * REST and gRPC both listen on the lab bridge, and the control plane advertises the bridge address:
 * - `hactl install-command` builds its curl URL and its `--grpc` from the one advertised host, so
 *   both must be where a sandbox host reaches them (a Storm host in its own network namespace
 *   cannot reach the machine's 127.0.0.1);
 * - a follower replica forwards REST requests to the leader's advertised host and REST port, and
 *   relays agent calls to its advertised host and gRPC port (control-plane/src/server.ts), so with
 *   REST on loopback and gRPC on the bridge one of the two would go nowhere.
 */
export interface SandboxControlPlane {
  index: number;
  /** The name of its pid file and log (.demo/pids/NAME.pid, .demo/logs/NAME.log). */
  name: string;
  /** Replica 0's is .demo/control-plane: the CA and the first admin token are there. */
  dataDir: string;
  /** https://HOST:PORT of its REST API. */
  server: string;
  /** HOST:PORT of its gRPC endpoint, as agents dial it. */
  grpc: string;
}

/** Control plane `index` on bridge address `gateway`: REST on 7080+index, gRPC on 7443+index. */
export function sandboxControlPlane(index: number, gateway: string, demoDir: string): SandboxControlPlane {
  const name = index === 0 ? 'control-plane' : `control-plane-r${index}`;
  return {
    index,
    name,
    dataDir: path.join(demoDir, name),
    server: `https://${gateway}:${7080 + index}`,
    grpc: `${gateway}:${7443 + index}`,
  };
}

/** hactl-control-plane's arguments for `cp`; `store`: the PostgreSQL URL the replicas share. */
export function controlPlaneArgs(cp: SandboxControlPlane, store: string | undefined): string[] {
  const host = new URL(cp.server).hostname;
  return [
    '--data-dir',
    cp.dataDir,
    '--listen-http',
    `${host}:${new URL(cp.server).port}`,
    '--listen-grpc',
    cp.grpc,
    '--advertise',
    host,
    '--report-interval-ms',
    '1000',
    ...(store === undefined ? [] : ['--store', store]),
  ];
}

/** A replica's own view of its role, from its /healthz. */
export interface ReplicaRole {
  holder: string;
  leading: boolean;
  epoch: number;
  leader: string | null;
}

/**
 * The lines `replicas` prints after the health table: each replica, its pid and its role, then how
 * to try a failover (kill the leader, ask another replica). `roles[i]` undefined: no answer.
 */
export function renderReplicaRoles(
  cps: readonly SandboxControlPlane[],
  pids: readonly (number | undefined)[],
  roles: readonly (ReplicaRole | undefined)[],
  leaseMs: number,
): string {
  const lines = cps.map((cp, i) => {
    const r = roles[i];
    const role = r === undefined ? 'no answer' : r.leading ? `LEADS (epoch ${r.epoch})` : 'follows';
    return `  ${cp.name.padEnd(17)} REST ${cp.server}  gRPC ${cp.grpc}  pid ${pids[i] ?? '?'}  ${role}`;
  });
  const leader = roles.findIndex((r) => r?.leading);
  const other = cps.find((_, i) => i !== leader && roles[i] !== undefined);
  const tryIt =
    leader < 0 || other === undefined
      ? ['No replica leads right now: see .demo/logs/control-plane*.log']
      : [
          `Try a failover: kill ${pids[leader] ?? '?'}   # the leading replica, ${cps[leader]!.name}; another leads within about ${Math.round((leaseMs * 4) / 3 / 1000)} s`,
          `  then: HACTL_SERVER=${other.server} bin/hactl get clusters   (and bin/hactl status zk1)`,
        ];
  return [`Control-plane replicas (agents dial all three):`, ...lines, ...tryIt].join('\n') + '\n';
}
