import fs from 'node:fs';

import { parseProperties } from './properties.js';
import { KafkaConfigError, parseServerConfig } from './config.js';
import { randomKafkaUuid } from './uuid.js';
import { FormatError, formatDirectories } from './storage-format.js';
import { readMetaProperties } from './meta-properties.js';

/**
 * `bin/kafka-storage.sh {random-uuid | format | info}` with Kafka 3.9's arguments, messages and exit
 * codes: failures print one line to stderr and exit 1. [kafka core/.../tools/StorageTool.scala]
 */
const USAGE = 'usage: kafka-storage [-h] {info,format,random-uuid} ...';

function fail(msg: string): never {
  process.stderr.write(`${msg}\n`);
  process.exit(1);
}

function argError(msg: string, sub?: string): never {
  process.stderr.write(`${sub ? `usage: kafka-storage ${sub} [-h] --config CONFIG ...` : USAGE}\nkafka-storage: error: ${msg}\n`);
  process.exit(1);
}

function loadConfig(file: string | undefined, sub: string): ReturnType<typeof parseServerConfig> {
  if (!file) argError('argument --config/-c is required', sub);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    fail(`java.nio.file.NoSuchFileException: ${file}`);
  }
  try {
    return parseServerConfig(parseProperties(text));
  } catch (err) {
    if (err instanceof KafkaConfigError) fail(err.render());
    throw err;
  }
}

function main(argv: string[]): void {
  const [cmd, ...rest] = argv;
  if (!cmd) argError('too few arguments');
  if (cmd === '-h' || cmd === '--help') {
    process.stdout.write(`${USAGE}\n\nThe Kafka storage tool.\n`);
    return;
  }
  if (cmd === 'random-uuid') {
    process.stdout.write(`${randomKafkaUuid()}\n`);
    return;
  }
  const opts: Record<string, string | boolean> = {};
  const valued: Record<string, string> = {
    '-c': 'config', '--config': 'config', '-t': 'cluster-id', '--cluster-id': 'cluster-id',
    '-r': 'release-version', '--release-version': 'release-version', '-I': 'initial-controllers',
    '--initial-controllers': 'initial-controllers', '-f': 'feature', '--feature': 'feature', '-S': 'add-scram', '--add-scram': 'add-scram',
  };
  const flags: Record<string, string> = {
    '-g': 'ignore-formatted', '--ignore-formatted': 'ignore-formatted', '-s': 'standalone', '--standalone': 'standalone',
    '-N': 'no-initial-controllers', '--no-initial-controllers': 'no-initial-controllers',
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (valued[name]) {
      const v = eq > 0 && a.startsWith('--') ? a.slice(eq + 1) : rest[++i];
      if (v === undefined) argError(`argument ${name}: expected one argument`, cmd);
      opts[valued[name]] = v;
    } else if (flags[name] && cmd === 'format') opts[flags[name]] = true;
    else argError(`unrecognized arguments: '${a}'`, cmd);
  }
  if (cmd === 'format') {
    if (!opts['cluster-id']) argError('argument --cluster-id/-t is required', cmd);
    const cfg = loadConfig(opts.config as string | undefined, cmd);
    try {
      formatDirectories(
        cfg,
        {
          clusterId: opts['cluster-id'] as string,
          ignoreFormatted: opts['ignore-formatted'] === true,
          standalone: opts.standalone === true,
          initialControllers: opts['initial-controllers'] as string | undefined,
          noInitialControllers: opts['no-initial-controllers'] === true,
          releaseVersion: opts['release-version'] as string | undefined,
        },
        { newUuid: randomKafkaUuid, now: new Date(), print: (l) => process.stdout.write(`${l}\n`) },
      );
    } catch (err) {
      if (err instanceof FormatError) fail(err.message);
      throw err;
    }
    return;
  }
  if (cmd === 'info') {
    const cfg = loadConfig(opts.config as string | undefined, cmd);
    const dirs = [...new Set([...cfg.logDirs, cfg.metadataLogDir])].sort();
    const problems: string[] = [];
    const found = dirs.filter((d) => fs.existsSync(d));
    for (const d of dirs) if (!fs.existsSync(d)) problems.push(`${d} does not exist`);
    const metas = readMetaProperties(found);
    for (const [d, m] of metas) if (!m) problems.push(`${d} is not formatted.`);
    const first = [...metas.values()].find((m) => m !== undefined);
    if (first && cfg.mode === 'kraft' && first.version === 0) {
      problems.push('The kafka configuration file appears to be for a cluster in KRaft mode, but the directories are formatted for legacy mode.');
    }
    if (first && cfg.mode === 'zk' && first.version === 1) {
      problems.push('The kafka configuration file appears to be for a legacy cluster, but the directories are formatted for a cluster in KRaft mode.');
    }
    const out: string[] = [];
    if (found.length > 0) out.push(found.length === 1 ? 'Found log directory:' : 'Found log directories:', ...found.map((d) => `  ${d}`), '');
    if (first) {
      const entries: [string, string][] = [['version', String(first.version)]];
      if (first.clusterId) entries.push(['cluster.id', first.clusterId]);
      if (first.nodeId !== null) entries.push([first.version === 0 ? 'broker.id' : 'node.id', String(first.nodeId)]);
      if (first.directoryId) entries.push(['directory.id', first.directoryId]);
      out.push(`Found metadata: {${entries.sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `${k}=${v}`).join(', ')}}`, '');
    }
    if (problems.length > 0) out.push(problems.length === 1 ? 'Found problem:' : 'Found problems:', ...problems.map((p) => `  ${p}`), '');
    process.stdout.write(`${out.join('\n')}\n`);
    process.exit(problems.length > 0 ? 1 : 0);
  }
  argError(`argument command: invalid choice: '${cmd}' (choose from 'info', 'format', 'random-uuid')`);
}

main(process.argv.slice(2));

