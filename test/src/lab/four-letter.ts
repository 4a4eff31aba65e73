import net from 'node:net';

/** Sends a ZooKeeper four-letter word and returns the whole reply (the server closes after it). */
export function fourLetter(host: string, port: number, cmd: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const chunks: Buffer[] = [];
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`${cmd} to ${host}:${port} timed out`)));
    sock.on('connect', () => sock.end(cmd));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** `Mode:` from `srvr`, or undefined when the server does not answer or does not serve. */
export async function zkMode(host: string, port = 2181): Promise<string | undefined> {
  try {
    const out = await fourLetter(host, port, 'srvr');
    return /^Mode: (\S+)$/m.exec(out)?.[1];
  } catch {
    return undefined;
  }
}
