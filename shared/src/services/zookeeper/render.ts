import type { RenderedFile } from '../../domain.js';
import type { ZookeeperInputs } from './inputs.js';

/**
 * zoo.cfg and myid for one member. Byte-stable: sorted keys, no timestamps.
 *
 * - Static membership with `reconfigEnabled=false`: with reconfig on, ZooKeeper rewrites zoo.cfg
 *   and would fight the agent (service-facts §0.4).
 * - One member → no `server.N` lines: a single line with standaloneEnabled=true is ignored with an
 *   error log anyway (§0.5).
 * - The AdminServer binds the member's own address, never 0.0.0.0:8080 (§0.6).
 * - Client port and address as separate keys, the form every 3.5+ release accepts.
 */
export function renderZooCfg(inputs: ZookeeperInputs): string {
  const kv: Record<string, string> = {
    ...inputs.config,
    dataDir: inputs.dataDir,
    clientPort: String(inputs.clientPort),
    clientPortAddress: inputs.address,
    reconfigEnabled: 'false',
    standaloneEnabled: inputs.servers.length > 1 ? 'false' : 'true',
    'admin.enableServer': inputs.adminPort === 0 ? 'false' : 'true',
  };
  if (inputs.adminPort !== 0) {
    kv['admin.serverAddress'] = inputs.address;
    kv['admin.serverPort'] = String(inputs.adminPort);
  }
  const lines = [
    `# Rendered by hactl for cluster ${inputs.cluster}, member ${inputs.myid}. Local edits are overwritten.`,
    ...Object.keys(kv).sort().map((k) => `${k}=${kv[k]}`),
    ...inputs.servers.map((s) => `server.${s.id}=${s.address}:${s.peerPort}:${s.electionPort}`),
  ];
  return lines.join('\n') + '\n';
}

export function renderZookeeperFiles(inputs: ZookeeperInputs): RenderedFile[] {
  return [
    { path: `${inputs.confDir}/zoo.cfg`, content: renderZooCfg(inputs), mode: 0o644 },
    // Only the first line is read, as a long (service-facts §1.2).
    { path: `${inputs.dataDir}/myid`, content: `${inputs.myid}\n`, mode: 0o644 },
  ];
}
