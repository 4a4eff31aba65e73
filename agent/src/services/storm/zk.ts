import type { StormAgentInputs } from './inputs.js';

/** `h1:2181,h2:2181/root`: Storm's root is a chroot (service-facts §3.1, CuratorUtils.newCurator). */
export function stormConnectString(zk: StormAgentInputs['zookeeper']): string {
  return `${zk.servers.map((s) => `${s}:${zk.port}`).join(',')}${zk.root}`;
}
