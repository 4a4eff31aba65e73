import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Lab } from '../src/lab/fleet.js';
import { distHome } from '../src/lab/dist.js';

// Lab slice 22: one Elasticsearch 8.19 node on gc1 (127.0.22.3). Issue 10: a garbage collector in
// the spec's JVM flags replaces the distribution's (-XX:+UseG1GC in config/jvm.options) instead of
// being added beside it, which the JVM refuses ("Multiple garbage collectors selected").
describe(
  'e2e: an Elasticsearch node with the serial collector starts with it alone',
  { timeout: 300_000 },
  () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await Lab.create('jvm-gc');
      await lab.startControlPlane();
      await lab.startAgent('gc1', '127.0.22.3');
      await lab.waitForHosts(['gc1']);
    });
    afterAll(async () => {
      await lab?.destroy();
    });

    it('jvm.flags [-XX:+UseSerialGC] → healthy, the server JVM runs the serial collector and no G1 flag', async () => {
      const put = await lab.api('PUT', '/v1/clusters/es-gc', {
        kind: 'elasticsearch',
        distribution: { home: distHome('elasticsearch') },
        heap: '256m',
        jvm: { flags: ['-XX:+UseSerialGC'] },
        nodes: [{ host: 'gc1', name: 'node-1' }],
      });
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      const c = await lab.waitForHealth('es-gc', 'healthy', { timeoutMs: 240_000 });
      const pid = c.status.members[0]!.pid;
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv).toContain('-XX:+UseSerialGC');
      expect(argv).not.toContain('-XX:+UseG1GC');
      const nodeDir = path.join(lab.dir, 'gc1', 'data', 'elasticsearch', 'es-gc', 'node-1');
      // ES_TMPDIR from the agent: the node's temp dir is its own, not a new elasticsearch-* in /tmp.
      expect(argv).toContain(`-Djava.io.tmpdir=${nodeDir}/tmp`);
      const conf = path.join(nodeDir, 'conf');
      expect(fs.readFileSync(path.join(conf, 'jvm.options'), 'utf8')).not.toMatch(/UseG1GC/);
      expect(fs.readFileSync(path.join(conf, 'jvm.options.d', 'hactl.options'), 'utf8')).toContain(
        '-XX:+UseSerialGC\n',
      );
    });
  },
);
