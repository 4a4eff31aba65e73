import fs from 'node:fs';
import path from 'node:path';
import { parseProperties } from './properties.js';

/**
 * `meta.properties` in each log dir. ZK mode: `version=0`, `broker.id`, `cluster.id`. KRaft (written
 * by `kafka-storage.sh format`): `version=1`, `node.id`, `cluster.id`, `directory.id` (3.7+).
 * [kafka metadata/.../MetaProperties.java; service-facts 2.2]
 */
export interface MetaProperties {
  readonly version: 0 | 1;
  readonly clusterId: string | null;
  readonly nodeId: number | null;
  readonly directoryId: string | null;
}

export const META_PROPERTIES = 'meta.properties';

export function parseMetaProperties(text: string, file: string): MetaProperties {
  const p = parseProperties(text);
  const version = Number(p.get('version') ?? '0');
  if (version !== 0 && version !== 1) throw new Error(`Unknown meta.properties version ${p.get('version')} in ${file}`);
  const idKey = version === 0 ? 'broker.id' : 'node.id';
  const idText = p.get(idKey);
  const nodeId = idText === undefined ? null : Number(idText);
  if (nodeId !== null && !Number.isInteger(nodeId)) throw new Error(`Failed to parse ${idKey} in ${file}`);
  if (version === 1 && nodeId === null) throw new Error(`node.id was not specified in ${file}`);
  if (version === 1 && !p.get('cluster.id')) throw new Error(`cluster.id was not specified in the v1 file: ${file}`);
  return { version, clusterId: p.get('cluster.id') ?? null, nodeId, directoryId: p.get('directory.id') ?? null };
}

/** Java `Properties.store` layout: a comment line, a date comment, then key=value lines. */
export function renderMetaProperties(m: MetaProperties, date: Date): string {
  const lines = ['#', `#${date.toUTCString()}`];
  if (m.nodeId !== null) lines.push(`${m.version === 0 ? 'broker.id' : 'node.id'}=${m.nodeId}`);
  if (m.directoryId !== null) lines.push(`directory.id=${m.directoryId}`);
  lines.push(`version=${m.version}`);
  if (m.clusterId !== null) lines.push(`cluster.id=${m.clusterId}`);
  return `${lines.join('\n')}\n`;
}

/** Reads every dir's meta.properties; undefined where the file is missing. */
export function readMetaProperties(dirs: readonly string[]): Map<string, MetaProperties | undefined> {
  const out = new Map<string, MetaProperties | undefined>();
  for (const dir of dirs) {
    const file = path.join(dir, META_PROPERTIES);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') {
        out.set(dir, undefined);
        continue;
      }
      throw err;
    }
    out.set(dir, parseMetaProperties(text, file));
  }
  return out;
}

/** Write to a temp file, fsync, rename — as Kafka's PropertiesUtils.writePropertiesFile does. */
export function writeMetaProperties(dir: string, m: MetaProperties, now: Date): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, META_PROPERTIES);
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  fs.writeSync(fd, renderMetaProperties(m, now));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
