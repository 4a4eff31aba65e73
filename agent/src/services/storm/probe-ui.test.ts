import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StormAgentInputs } from './inputs.js';
import { createStormProber } from './probe.js';
import { testHttpServer } from '../test-http-server.js';

// Summaries recorded from the Storm UI emulator (testdata/README.md).
const rec = (f: string) =>
  fs.readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata', `ui-${f}-2.8.8-emulator.json`),
    'utf8',
  );

const seen: string[] = [];
const server = testHttpServer((req, res) => {
  seen.push(req.url ?? '');
  const name = /^\/api\/v1\/(nimbus|cluster|supervisor)\/summary$/.exec(req.url ?? '')?.[1];
  res.writeHead(name ? 200 : 404, { 'content-type': 'application/json' });
  res.end(name ? rec(`${name}-summary`) : '{}');
});

describe('storm ui probe (node:http against recorded summaries)', () => {
  it('three probes → serving each time, all nine GETs over the kept-alive connections (at most three)', async () => {
    const prober = createStormProber();
    const inputs = { role: 'ui', address: '127.0.0.1', uiPort: server.port() } as StormAgentInputs;
    try {
      for (let i = 0; i < 3; i++)
        expect(await prober.probe(inputs, 2000)).toMatchObject({ role: 'ui', ok: true, serving: true });
    } finally {
      await prober.close();
    }
    expect(seen).toHaveLength(9);
    expect(server.connections.count).toBeLessThanOrEqual(3);
  });

  it('connection refused → ok false with the reason', async () => {
    const prober = createStormProber();
    const p = await prober.probe({ role: 'ui', address: '127.0.0.1', uiPort: 1 } as StormAgentInputs, 500);
    await prober.close();
    expect(p).toMatchObject({
      role: 'ui',
      ok: false,
      serving: false,
      error: 'connect ECONNREFUSED 127.0.0.1:1',
    });
  });
});
