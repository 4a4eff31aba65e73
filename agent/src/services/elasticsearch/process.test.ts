import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { elasticsearch } from '@hactl/shared';
import { planElasticsearchPreStart, planElasticsearchProcess } from './process.js';

const inputs: elasticsearch.ElasticsearchInputs = {
  cluster: 'es',
  nodeName: 'node-1',
  roles: ['master'],
  address: '127.0.6.11',
  httpPort: 9200,
  transportPort: 9300,
  home: '/opt/elasticsearch',
  confDir: '/d/elasticsearch/es/node-1/conf',
  dataDir: '/d/elasticsearch/es/node-1/data',
  logDir: '/d/elasticsearch/es/node-1/logs',
  pidFile: '/d/elasticsearch/es/node-1/elasticsearch.pid',
  seedHosts: ['127.0.6.11:9300'],
  initialMasterNodes: ['node-1'],
  attributes: {},
  settings: {},
};

describe('elasticsearch process plan', () => {
  it('runs bin/elasticsearch with ES_PATH_CONF and a per-instance pid file that identifies it for adoption', () => {
    const p = planElasticsearchProcess(inputs);
    expect(p.command).toBe('/opt/elasticsearch/bin/elasticsearch');
    expect(p.args).toEqual(['-p', '/d/elasticsearch/es/node-1/elasticsearch.pid']);
    // ES_TMPDIR in the node's own dir: a start must not leave an elasticsearch-* dir in /tmp.
    expect(p.env).toEqual({
      ES_PATH_CONF: '/d/elasticsearch/es/node-1/conf',
      ES_TMPDIR: '/d/elasticsearch/es/node-1/tmp',
    });
    expect(p.dirs).toContain('/d/elasticsearch/es/node-1/tmp');
    expect(p.adoptMatch).toEqual(['/d/elasticsearch/es/node-1/elasticsearch.pid']);
    expect(p.logFile).toBe('/d/elasticsearch/es/node-1/logs/elasticsearch.out');
    expect(p.serviceLogFiles).toEqual([`/d/elasticsearch/es/node-1/logs/${inputs.cluster}.log`]);
    expect(p.dirs).toContain('/d/elasticsearch/es/node-1/conf/jvm.options.d');
  });

  it('pre-start copies jvm.options and log4j2.properties from the distribution, overwriting, skipping missing ones', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-es-prestart-'));
    try {
      const home = path.join(tmp, 'home with space');
      const conf = path.join(tmp, 'conf');
      fs.mkdirSync(path.join(home, 'config'), { recursive: true });
      fs.mkdirSync(conf);
      fs.writeFileSync(path.join(home, 'config', 'jvm.options'), '-XX:+UseG1GC\n');
      fs.writeFileSync(path.join(conf, 'jvm.options'), 'old\n');
      fs.writeFileSync(path.join(conf, 'elasticsearch.yml'), 'rendered\n');
      const [cmd] = planElasticsearchPreStart({ ...inputs, home, confDir: conf });
      execFileSync(cmd!.command, cmd!.args, { cwd: cmd!.cwd });
      expect(fs.readFileSync(path.join(conf, 'jvm.options'), 'utf8')).toBe('-XX:+UseG1GC\n');
      expect(fs.existsSync(path.join(conf, 'log4j2.properties'))).toBe(false);
      expect(fs.readFileSync(path.join(conf, 'elasticsearch.yml'), 'utf8')).toBe('rendered\n');
      expect(fs.readdirSync(conf).sort()).toEqual(['elasticsearch.yml', 'jvm.options']);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it.each<[string, string[], string]>([
    ["no collector in the spec → the distribution's G1 stays", ['-Xss1m'], G1_OPTIONS],
    ["G1 in the spec → the distribution's line stays", ['-XX:+UseG1GC'], G1_OPTIONS],
    [
      'another collector → every G1 line of jvm.options left out, its tuning kept',
      ['-XX:+UseSerialGC'],
      '## GC\n-XX:G1ReservePercent=25\n-XX:InitiatingHeapOccupancyPercent=30\n',
    ],
  ])('pre-start with jvm flags: %s', (_n, jvmFlags, expected) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hactl-es-gc-'));
    try {
      const home = path.join(tmp, 'home');
      const conf = path.join(tmp, 'conf');
      fs.mkdirSync(path.join(home, 'config'), { recursive: true });
      fs.mkdirSync(conf);
      fs.writeFileSync(path.join(home, 'config', 'jvm.options'), G1_OPTIONS);
      const [cmd] = planElasticsearchPreStart({ ...inputs, home, confDir: conf, jvmFlags });
      execFileSync(cmd!.command, cmd!.args, { cwd: cmd!.cwd });
      expect(fs.readFileSync(path.join(conf, 'jvm.options'), 'utf8')).toBe(expected);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

/** The GC section of Elasticsearch 8.x config/jvm.options, plus the JDK-version-prefixed form 7.x used. */
const G1_OPTIONS =
  '## GC\n-XX:+UseG1GC\n14-:-XX:+UseG1GC\n-XX:G1ReservePercent=25\n-XX:InitiatingHeapOccupancyPercent=30\n';
