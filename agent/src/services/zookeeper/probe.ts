import net from 'node:net';
import { zookeeper } from '@hactl/shared';

type Inputs = zookeeper.ZookeeperInputs;

/** Sends one four-letter word; the server writes its reply and closes. */
export function sendFourLetterWord(
  host: string,
  port: number,
  word: string,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    const chunks: Buffer[] = [];
    let size = 0;
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`${word} timed out after ${timeoutMs} ms`)));
    sock.on('connect', () => sock.end(word));
    sock.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) sock.destroy(new Error(`${word} reply larger than 1 MiB`));
      else chunks.push(c);
    });
    sock.on('error', reject);
    sock.on('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/**
 * `srvr` for mode and serving state, then `mntr` for the leader's synced followers. `ruok` is not
 * used: it answers `imok` even without a quorum (service-facts §0.2).
 */
export async function probeZookeeper(inputs: Inputs, timeoutMs: number): Promise<zookeeper.ZookeeperProbe> {
  try {
    const srvr = await sendFourLetterWord(inputs.address, inputs.clientPort, 'srvr', timeoutMs);
    const parsed = zookeeper.parseSrvr(srvr);
    const mntr =
      parsed.serving && parsed.mode === 'leader'
        ? await sendFourLetterWord(inputs.address, inputs.clientPort, 'mntr', timeoutMs)
        : undefined;
    return zookeeper.checkZookeeperProbe(srvr, mntr);
  } catch (err) {
    return {
      ok: false,
      serving: false,
      mode: 'unknown',
      error: err instanceof Error ? err.message.slice(0, 500) : String(err),
    };
  }
}
