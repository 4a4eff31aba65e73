import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { LabNetwork } from './netns.js';
import { waitFor } from './wait.js';

// Lab network slice 10.77.250.0/24. Namespaces need root (CI and the lab run as root).
const SERVER = `require('net').createServer((s)=>s.end(process.argv[1])).listen(6627,'0.0.0.0')`;

function connectAndRead(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port }, () => undefined);
    let out = '';
    s.on('data', (d) => (out += String(d)));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(2000, () => s.destroy(new Error('timeout')));
  });
}

describe.skipIf(!LabNetwork.supported())('lab network: namespaces as separate hosts (root only)', () => {
  const children: ChildProcess[] = [];
  const lab = LabNetwork.supported() ? LabNetwork.create(250) : undefined;
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    lab?.destroy();
  });

  it('two hosts bind 0.0.0.0 on the same port, each reachable at its own address, as Storm daemons need', async () => {
    const a = lab!.addHost('a', 11, { ownNamespace: true });
    const b = lab!.addHost('b', 12, { ownNamespace: true });
    for (const h of [a, b]) {
      const argv = lab!.wrap(h, process.execPath, ['-e', SERVER, h.name]);
      children.push(spawn(argv.command, argv.args, { stdio: 'ignore' }));
    }
    const read = (addr: string) =>
      waitFor(`a server on ${addr}:6627`, () => connectAndRead(addr, 6627).catch(() => undefined), {
        timeoutMs: 10_000,
      });
    expect(await read(a.address)).toBe('a');
    expect(await read(b.address)).toBe('b');
  });

  it('a root-namespace host on the bridge is reachable from inside a namespace', async () => {
    const r = lab!.addHost('r', 13, { ownNamespace: false });
    const server = net.createServer((s) => s.end('root')).listen(0, r.address);
    await new Promise((res) => server.once('listening', res));
    const port = (server.address() as net.AddressInfo).port;
    const argv = lab!.wrap(lab!.host('a'), process.execPath, [
      '-e',
      `require('net').connect(${port},'${r.address}').on('data',d=>{process.stdout.write(d)})`,
    ]);
    const child = spawn(argv.command, argv.args, { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    await new Promise((res) => child.once('exit', res));
    server.close();
    expect(out).toBe('root');
  });
});
