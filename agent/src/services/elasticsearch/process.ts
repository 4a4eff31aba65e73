import { replacesDefaultCollector, type ProcessPlan, type elasticsearch } from '@hactl/shared';

type Inputs = elasticsearch.ElasticsearchInputs;
type PreStart = { command: string; args: string[]; env: Record<string, string>; cwd: string };

/**
 * Files ES needs in ES_PATH_CONF besides the two hactl renders: the distribution's jvm.options
 * (read before the server JVM starts) and log4j2.properties (real ES refuses to start without it).
 */
export const COPIED_CONFIG_FILES = ['jvm.options', 'log4j2.properties'] as const;

/**
 * How to run one node in the foreground under the agent: `<home>/bin/elasticsearch -p <pidFile>`
 * with `ES_PATH_CONF` pointing at the agent-owned config dir.
 *
 * Adoption: ES_PATH_CONF is an environment variable, not argv, so the `-p` pid file path (unique per
 * instance, under `<dataRoot>/elasticsearch/<cluster>/<node>/`) is what identifies the process. It
 * survives `exec` in both launchers: upstream's (`bin/elasticsearch` execs the CLI JVM, whose argv
 * ends with the user's arguments and which runs the server JVM as its child) and hactl's 8.19
 * distribution (distributions/elasticsearch: `bin/elasticsearch` execs the server JVM itself with
 * the arguments last, so the agent's pid is the node; test/e2e/elasticsearch.test.ts checks its argv).
 * ES writes and removes that pid file itself; the agent keeps its own in its state dir.
 *
 * `ES_TMPDIR` is `<node dir>/tmp` (beside the pid file), created with the other dirs. Without it
 * every start makes a new `elasticsearch-*` dir under /tmp that nothing removes (hactl's launcher's
 * CLI JVM exits before the node runs), and the upstream docs warn that a /tmp cleaner removing the
 * node's native-library files breaks a running node ("Temporary directory settings").
 */
export function planElasticsearchProcess(inputs: Inputs): ProcessPlan {
  const nodeDir = inputs.pidFile.slice(0, inputs.pidFile.lastIndexOf('/'));
  return {
    command: `${inputs.home}/bin/elasticsearch`,
    args: ['-p', inputs.pidFile],
    env: { ES_PATH_CONF: inputs.confDir, ES_TMPDIR: `${nodeDir}/tmp` },
    cwd: inputs.dataDir,
    adoptMatch: [inputs.pidFile],
    // A node flushes and closes shards on SIGTERM; give it time before SIGKILL.
    stopGraceMs: 30_000,
    // The pid file's directory first: Elasticsearch writes and removes `-p` itself, as its own user.
    dirs: [
      nodeDir,
      `${nodeDir}/tmp`,
      inputs.confDir,
      `${inputs.confDir}/jvm.options.d`,
      inputs.dataDir,
      inputs.logDir,
    ],
    logFile: `${inputs.logDir}/elasticsearch.out`,
    // The node's plain-text server log (log4j2.properties' rolling_old appender, upstream's and the
    // assembled distribution's alike: `<cluster.name>.log`, and cluster.name is the hactl cluster's
    // name): what `hactl logs` reads first, and where a crash's cause is looked for first.
    serviceLogFiles: [`${inputs.logDir}/${inputs.cluster}.log`],
  };
}

/**
 * Before each start, copy jvm.options and log4j2.properties from `<home>/config` into the config
 * dir, overwriting older copies so a distribution upgrade brings its own JVM flags. A file the
 * distribution lacks is skipped (ES then reports the missing file itself). When the spec's JVM
 * flags choose another garbage collector, the copy of jvm.options leaves out the distribution's
 * `-XX:+UseG1GC` line (also in its `N-:` / `N-M:` JDK-version form): with both, the JVM refuses
 * to start ("Multiple garbage collectors selected"); the spec's collector comes from
 * jvm.options.d/hactl.options. Paths go in as positional parameters, never into the script text.
 */
export function planElasticsearchPreStart(inputs: Inputs): PreStart[] {
  const script = [
    'src="$1"; dst="$2"; dropg1="$3"; shift 3',
    'for f in "$@"; do',
    '  [ -f "$src/$f" ] || continue',
    '  if [ "$f" = jvm.options ] && [ "$dropg1" = 1 ]; then',
    `    grep -v -E '${G1_LINE_RE}' "$src/$f" > "$dst/.$f.tmp"; [ $? -le 1 ] || exit 1`,
    '  else',
    '    cp "$src/$f" "$dst/.$f.tmp" || exit 1',
    '  fi',
    '  mv -f "$dst/.$f.tmp" "$dst/$f" || exit 1',
    'done',
  ].join('\n');
  return [
    {
      command: '/bin/sh',
      args: [
        '-c',
        script,
        'hactl-es-config-copy',
        `${inputs.home}/config`,
        inputs.confDir,
        replacesDefaultCollector(inputs.jvmFlags ?? []) ? '1' : '0',
        ...COPIED_CONFIG_FILES,
      ],
      env: {},
      cwd: inputs.confDir,
    },
  ];
}

/** A jvm.options line choosing G1, bare or with a JDK-version prefix (`17-:`, `11-16:`), for `grep -E`. */
export const G1_LINE_RE = '^[[:space:]]*([0-9]+(-[0-9]*)?:)?-XX:\\+UseG1GC[[:space:]]*$';
