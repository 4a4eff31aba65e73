// net.isIP/isIPv6 only: pure address syntax checks, no sockets.
// eslint-disable-next-line no-restricted-imports
import net from 'node:net';

/** Parses `HOST:PORT` (IPv6 as `[::1]:PORT`); port 0 means "pick one". Returns an error string or the pair. */
export function parseHostPort(value: string): { host: string; port: number } | string {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(value);
  if (!m) return `${JSON.stringify(value)} is not HOST:PORT`;
  const host = m[1] ?? m[2]!;
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} is out of range`;
  if (m[1] && net.isIPv6(host) === false) return `${host} is not an IPv6 address`;
  if (!m[1] && net.isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host))
    return `${JSON.stringify(host)} is not a host name or address`;
  return { host, port };
}

/** Whether a listen host is the wildcard (`0.0.0.0`, `::`): it names no one address to reach. Pure. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
