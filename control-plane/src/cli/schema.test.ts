import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { fakeIo } from './fake-io.js';
import { runCli } from './run.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The seed topology every kind appears in (deploy/examples), from src/cli or dist/cli. */
const SEED = path.resolve(here, '../../../deploy/examples/seed-topology.yaml');

async function schemaOf(kind: string): Promise<Record<string, unknown>> {
  const io = fakeIo();
  expect(await runCli(['schema', kind], io)).toBe(0);
  return JSON.parse(io.out()) as Record<string, unknown>;
}

describe('hactl schema KIND', () => {
  it('prints a draft 2020-12 JSON Schema per kind that accepts every spec of the seed topology, offline', async () => {
    const docs = parseAllDocuments(fs.readFileSync(SEED, 'utf8')).map((d) => d.toJS() as { kind: string });
    const kinds = new Set(docs.map((d) => d.kind));
    expect([...kinds].sort()).toEqual(['elasticsearch', 'kafka', 'storm', 'zookeeper']);
    for (const doc of docs) {
      const schema = await schemaOf(doc.kind);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      const validate = new Ajv2020({ strict: false }).compile(schema);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('the schema refuses what validation refuses at the field level: an unknown key, another kind, a bad myid type', async () => {
    const validate = new Ajv2020({ strict: false }).compile(await schemaOf('zookeeper'));
    const spec = {
      name: 'zk-main',
      kind: 'zookeeper',
      distribution: { home: '/usr/share/zookeeper' },
      members: [{ host: 'zk1', id: 1 }],
    };
    expect(validate(spec)).toBe(true);
    expect(validate({ ...spec, colour: 'blue' })).toBe(false);
    expect(validate({ ...spec, kind: 'kafka' })).toBe(false);
    expect(validate({ ...spec, members: [{ host: 'zk1', id: 'one' }] })).toBe(false);
  });

  it('an unknown kind is a usage error naming the known kinds', async () => {
    const io = fakeIo();
    expect(await runCli(['schema', 'cassandra'], io)).toBe(2);
    expect(io.err()).toMatch(/unknown kind "cassandra" \(known: zookeeper, storm, elasticsearch, kafka\)/);
    expect(io.out()).toBe('');
  });
});
