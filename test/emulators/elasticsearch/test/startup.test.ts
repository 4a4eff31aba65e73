import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../src/lab/wait.js';
import { claimSlice, EsLab } from './es-lab.js';

// Lab slice 127.0.3.0/24; this file uses 127.0.3.21 only (the cluster file owns .11-.16).
// How `bin/elasticsearch` starts and refuses to start, per service-facts 4.1 / 0.16.

describe('elasticsearch emulator: startup and configuration', { timeout: 60_000 }, () => {
  const lab = new EsLab();
  let release: () => void = () => undefined;
  beforeAll(async () => {
    release = await claimSlice('startup', ['127.0.3.21']);
  });
  afterAll(async () => {
    await lab.stopAll();
    lab.cleanup();
    release();
  });

  const failing = async (name: string, settings: Record<string, unknown>, jvmOptions?: string[], args: string[] = []) => {
    const p = lab.start({ name, ip: '127.0.3.21', settings, ...(jvmOptions ? { jvmOptions } : {}) }, args);
    const r = await p.exited;
    return { ...r, out: p.output() };
  };

  it('8.x rejects the removed legacy role settings with ES\'s unknown-setting error and exit code 1', async () => {
    const r = await failing('legacy', { 'node.master': true, 'node.data': false });
    expect(r.code).toBe(1);
    expect(r.out).toContain('fatal exception while booting Elasticsearch');
    // Settings are validated in key order; the first failure is thrown, the others suppressed.
    expect(r.out).toContain(
      'java.lang.IllegalArgumentException: unknown setting [node.data] please check that any required plugins are installed, or check the breaking changes documentation for removed settings',
    );
    expect(r.out).toContain('Suppressed: java.lang.IllegalArgumentException: unknown setting [node.master]');
    expect(r.out).toContain('ERROR: Elasticsearch died while starting up, with exit code 1');
  });

  it('rejects unknown settings, suggesting close matches like ES', async () => {
    const r = await failing('unknown', { 'http.enabled': true });
    expect(r.code).toBe(1);
    expect(r.out).toContain('unknown setting [http.enabled] did you mean [http.cors.enabled]?');
    const roles = await failing('badrole', { 'node.roles': ['master', 'dta'] });
    expect(roles.code).toBe(1);
    expect(roles.out).toContain('unknown role [dta]');
  });

  it('-E overrides elasticsearch.yml and is validated the same way', async () => {
    const r = await failing('cli', {}, undefined, ['-E', 'node.ingest=false']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('unknown setting [node.ingest]');
  });

  it('jvm.options: malformed lines exit 78, Xms above Xmx is a JVM error', async () => {
    const bad = await failing('jvm-bad', {}, ['-Xms128m', 'Xmx128m']);
    expect(bad.code).toBe(78);
    expect(bad.out).toMatch(/encountered \[1\] error parsing \[.*jvm\.options\]/);
    expect(bad.out).toMatch(/\[1\]: encountered improperly formatted JVM option in \[.*jvm\.options\] on line number \[2\]: \[Xmx128m\]/);
    const heap = await failing('jvm-heap', {}, ['-Xms512m', '-Xmx256m']);
    expect(heap.code).toBe(1);
    expect(heap.out).toContain('Initial heap size set to a larger value than the maximum heap size');
  });

  it('refuses plain-HTTP emulation when http TLS is configured (documented departure)', async () => {
    const r = await failing('tls', { 'xpack.security.enabled': true, 'xpack.security.http.ssl.enabled': true });
    expect(r.code).toBe(1);
    expect(r.out).toContain('emulator: [xpack.security.http.ssl.enabled] is true');
  });

  it('-V prints the version and exits 0', async () => {
    const r = await failing('version', {}, undefined, ['-V']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Version: 8\.\d+\.\d+, Build: tar\/[0-9a-f]{40}\//);
  });

  it('discovery.type single-node forms alone, persists its node id, and honours -p; SIGTERM exits 143', async () => {
    const pidfile = path.join(lab.dir, 'single.pid');
    const spec = {
      name: 'single',
      ip: '127.0.3.21',
      settings: { 'discovery.type': 'single-node', 'cluster.name': 'solo' },
      // The agent renders heap settings into jvm.options.d; they win over jvm.options.
      files: { 'jvm.options.d/heap.options': '-Xms96m\n-Xmx96m\n' },
    };
    const p = lab.start(spec, ['-p', pidfile]);
    const c = lab.client('127.0.3.21');
    const info = await waitFor('single-node cluster formed', async () => {
      const i = await c.info();
      return i.cluster_uuid !== '_na_' ? i : undefined;
    });
    expect(info.cluster_name).toBe('solo');
    expect(fs.readFileSync(pidfile, 'utf8').trim()).toBe(String(p.child.pid));
    const h = await c.cluster.health({ wait_for_status: 'green', timeout: '10s' });
    expect(h).toMatchObject({ status: 'green', number_of_nodes: 1, number_of_data_nodes: 1 });
    const nodes = await c.nodes.info();
    const first = Object.keys(nodes.nodes)[0];
    expect(Object.values(nodes.nodes)[0]!.jvm?.mem?.heap_max_in_bytes).toBe(96 * 1024 * 1024);
    const stopped = await lab.stop('single');
    expect(stopped.code).toBe(143);
    expect(fs.existsSync(pidfile)).toBe(false);
    expect(p.output()).toMatch(/\[o\.e\.n\.Node\s+\] \[single\] stopping \.\.\./);
    expect(fs.readFileSync(path.join(lab.nodeDir('single'), 'logs', 'solo.log'), 'utf8')).toContain('] [single] started {single}');

    // Same data path: same node id and cluster UUID after a restart.
    lab.start(spec);
    const again = await waitFor('single-node back', async () => {
      const i = await c.info();
      return i.cluster_uuid !== '_na_' ? i : undefined;
    });
    expect(again.cluster_uuid).toBe(info.cluster_uuid);
    expect(Object.keys((await c.nodes.info()).nodes)).toEqual([first]);
    // A second node on the same data path is refused (node.lock).
    const twin = lab.start({ ...spec, name: 'single-twin', settings: { ...spec.settings, 'path.data': path.join(lab.nodeDir('single'), 'data') } });
    const tr = await twin.exited;
    expect(tr.code).toBe(1);
    expect(twin.output()).toContain('failed to obtain node locks');
    await lab.stop('single');
  });

  it('-d returns once the node has started and leaves it running in the background with its pidfile', async () => {
    const pidfile = path.join(lab.dir, 'daemon.pid');
    const r = await failing('daemon', { 'discovery.type': 'single-node' }, undefined, ['-d', '-p', pidfile]);
    expect(r.code).toBe(0);
    const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
    lab.trackDaemon(pid);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect((await lab.client('127.0.3.21').info()).name).toBe('daemon');
    process.kill(pid, 'SIGTERM');
    await waitFor('daemon to exit and remove its pidfile', () => (fs.existsSync(pidfile) ? undefined : true), { timeoutMs: 10_000 });
  });
});
