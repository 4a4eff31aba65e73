import fs from 'node:fs';
import path from 'node:path';
import type { ServerConfig, Voter } from './config.js';
import { readMetaProperties, writeMetaProperties, type MetaProperties } from './meta-properties.js';
import { isKafkaUuid } from './uuid.js';

/**
 * `kafka-storage.sh format` as Kafka 3.9's StorageTool + Formatter do it: every dir in `log.dirs`
 * plus `metadata.log.dir` gets a v1 meta.properties (node.id, directory.id, cluster.id); the
 * metadata dir also gets `bootstrap.checkpoint`, and with --standalone/--initial-controllers the
 * `__cluster_metadata-0/00000000000000000000-0000000000.checkpoint` holding the initial voters.
 * The emulator writes those two files as JSON text (the real ones are binary record batches).
 * [kafka core/.../tools/StorageTool.scala, metadata/.../storage/Formatter.java; service-facts 2.3]
 */
export class FormatError extends Error {}

export const RELEASE_VERSION = '3.9-IV0';
export const VOTERS_CHECKPOINT = path.join('__cluster_metadata-0', '00000000000000000000-0000000000.checkpoint');

export interface DynamicVoter extends Voter {
  readonly directoryId: string;
}

export interface FormatOptions {
  readonly clusterId: string;
  readonly ignoreFormatted: boolean;
  readonly standalone: boolean;
  readonly initialControllers: string | undefined;
  readonly noInitialControllers: boolean;
  readonly releaseVersion: string | undefined;
}

/** `0@host:port:dirId,1@...` [kafka raft/.../DynamicVoters.java] */
export function parseInitialControllers(value: string): DynamicVoter[] {
  return value.split(',').map((item) => {
    const m = /^(\d+)@\[?([^\]]*?)\]?:(\d+):([A-Za-z0-9_-]{22})$/.exec(item.trim());
    if (!m) throw new FormatError(`Unable to parse dynamic voter ${item}`);
    return { id: Number(m[1]), host: m[2]!, port: Number(m[3]), directoryId: m[4]! };
  });
}

export function formatDirectories(cfg: ServerConfig, opts: FormatOptions, deps: { newUuid: () => string; now: Date; print: (line: string) => void }): void {
  if (cfg.mode !== 'kraft') {
    throw new FormatError('The kafka configuration file appears to be for a legacy cluster. Formatting is only supported for clusters in KRaft mode.');
  }
  if (!isKafkaUuid(opts.clusterId)) {
    throw new FormatError(`Cluster ID string ${opts.clusterId} does not appear to be a valid UUID: Input string with prefix \`${opts.clusterId.slice(0, 22)}\` is too short to be decoded as a base64 UUID`);
  }
  const isController = cfg.roles.includes('controller');
  const dynamicFlags = [opts.standalone, opts.initialControllers !== undefined, opts.noInitialControllers].filter(Boolean).length;
  if (dynamicFlags > 1) throw new FormatError('Only one of --standalone, --initial-controllers, or --no-initial-controllers can be specified.');
  if (opts.standalone && !isController) throw new FormatError('You cannot use --standalone on a broker node.');
  if (isController && cfg.voters.length === 0 && dynamicFlags === 0) {
    throw new FormatError(
      'Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.',
    );
  }
  if (cfg.voters.length > 0 && (opts.standalone || opts.initialControllers !== undefined)) {
    throw new FormatError('You cannot specify --standalone or --initial-controllers when controller.quorum.voters is set.');
  }
  let initial: DynamicVoter[] | undefined;
  if (opts.initialControllers !== undefined) initial = parseInitialControllers(opts.initialControllers);
  if (opts.standalone) {
    const ctrl = cfg.listeners.find((l) => l.name === cfg.controllerListenerNames[0]);
    if (!ctrl) throw new FormatError('No controller listeners found.');
    initial = [{ id: cfg.nodeId, host: ctrl.host || 'localhost', port: ctrl.port, directoryId: deps.newUuid() }];
  }
  const release = opts.releaseVersion ?? RELEASE_VERSION;

  const dirs = [...new Set([...cfg.logDirs, cfg.metadataLogDir])].sort();
  const existing = readMetaProperties(dirs);
  for (const [dir, m] of existing) {
    if (!m) continue;
    if (m.clusterId && m.clusterId !== opts.clusterId) {
      throw new FormatError(`Invalid cluster.id in: ${path.join(dir, 'meta.properties')}. Expected ${opts.clusterId}, but read ${m.clusterId}`);
    }
    if (m.nodeId !== null && m.nodeId !== cfg.nodeId) {
      throw new FormatError(
        `Stored node id ${m.nodeId} doesn't match previous node id ${cfg.nodeId} in ${path.join(dir, 'meta.properties')}. If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.`,
      );
    }
  }
  const formatted = [...existing.entries()].filter(([, m]) => m !== undefined);
  if (formatted.length > 0 && !opts.ignoreFormatted) {
    throw new FormatError(`Log directory ${formatted[0]![0]} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
  }
  const empty = dirs.filter((d) => existing.get(d) === undefined);
  if (empty.length === 0) {
    deps.print('All of the log directories are already formatted.');
    return;
  }
  deps.print(`Bootstrap metadata: BootstrapMetadata(records=[], metadataVersion=${release}, source=format command)`);
  for (const dir of empty) {
    const isMeta = dir === cfg.metadataLogDir;
    const voter = isMeta ? initial?.find((v) => v.id === cfg.nodeId) : undefined;
    const kind = !isMeta
      ? 'data directory'
      : initial === undefined
        ? opts.noInitialControllers
          ? 'dynamic metadata directory'
          : 'metadata directory'
        : voter
          ? 'dynamic metadata voter directory'
          : 'dynamic metadata non-voter directory';
    deps.print(`Formatting ${kind} ${dir} with metadata.version ${release}.`);
    fs.mkdirSync(dir, { recursive: true });
    if (isMeta) {
      fs.writeFileSync(
        path.join(dir, 'bootstrap.checkpoint'),
        `${JSON.stringify({ emulator: 'bootstrap.checkpoint (JSON, not a record batch)', metadataVersion: release, source: 'format command' })}\n`,
      );
      if (initial) {
        fs.mkdirSync(path.join(dir, '__cluster_metadata-0'), { recursive: true });
        fs.writeFileSync(path.join(dir, VOTERS_CHECKPOINT), `${JSON.stringify({ voters: initial })}\n`);
      }
    }
    const meta: MetaProperties = { version: 1, clusterId: opts.clusterId, nodeId: cfg.nodeId, directoryId: voter?.directoryId ?? deps.newUuid() };
    writeMetaProperties(dir, meta, deps.now);
  }
}

/** Voters recorded at format time (dynamic quorum), if any. */
export function readInitialVoters(metadataLogDir: string): DynamicVoter[] | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(metadataLogDir, VOTERS_CHECKPOINT), 'utf8')) as { voters: DynamicVoter[] }).voters;
  } catch {
    return undefined;
  }
}
