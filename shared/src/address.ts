import { z } from 'zod';

/**
 * An IP address as a host in `host:port` text. IPv6 addresses go in brackets (RFC 3986 §3.2.2),
 * the form every file hactl renders with ports accepts: ZooKeeper `server.N` lines (3.5+,
 * QuorumPeerConfig through ConfigUtils.getHostAndPort), Kafka listeners, advertised.listeners and
 * controller.quorum.voters (Utils.getHost), ZooKeeper connect strings (ConnectStringParser),
 * Elasticsearch discovery.seed_hosts (service-facts §4.1) and Storm's storm.zookeeper.servers (Storm
 * appends `:port` to each, CuratorUtils). IPv4 stays as it is. Pure.
 */
export function bracketHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** `address:port`, with an IPv6 address in brackets (`[fd00::1]:2181`). Pure. */
export function hostPort(address: string, port: number): string {
  return `${bracketHost(address)}:${port}`;
}

/**
 * A bare IPv4 or IPv6 address (no brackets, no zone) as render inputs carry it: what the agent's
 * hello was checked to be (agent-rpc/validate.ts).
 */
export const ipAddressSchema = z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address' });
