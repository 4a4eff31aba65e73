import type { ProcessPlan } from '@hactl/shared';
import { COLLECTOR_FLAG_RE, collectorFlags, kafka, replacesDefaultCollector } from '@hactl/shared';

type Inputs = kafka.KafkaInputs;

/**
 * Upstream's default KAFKA_JVM_PERFORMANCE_OPTS (apache/kafka bin/kafka-run-class.sh, "JVM performance
 * options"; the same in distributions/kafka/bin/kafka-run-class.sh for 3.9 and 4.x): used only when
 * the variable is unset, and placed before KAFKA_OPTS on the java command line.
 */
export const UPSTREAM_JVM_PERFORMANCE_OPTS = [
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
] as const;

/** The G1 flag and the G1 tuning upstream adds with it (pause target, IHOP, concurrent System.gc()). */
const G1_FLAGS = new Set([
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
]);

/** HotSpot reads flags in order: an unlock flag must come before the experimental collector it enables (Epsilon). */
const UNLOCK_RE = /^-XX:\+Unlock(Experimental|Diagnostic)VMOptions$/;

/**
 * Splits spec `jvm.flags` into KAFKA_JVM_PERFORMANCE_OPTS and KAFKA_OPTS. kafka-run-class.sh puts
 * its default G1 flags in KAFKA_JVM_PERFORMANCE_OPTS, so a different collector in KAFKA_OPTS makes
 * the JVM stop with "Multiple garbage collectors selected". When the flags pick a collector other
 * than G1, the performance options become upstream's defaults without G1 and its tuning, plus that
 * collector (after any unlock flag); every other flag stays in KAFKA_OPTS. G1, or no collector,
 * keeps upstream's defaults and passes the flags through KAFKA_OPTS unchanged.
 */
export function planKafkaJvmOpts(flags: readonly string[]): { performance?: string; opts?: string } {
  // Every collector flag moves, so two different ones still fail as the JVM would fail them.
  const chosen = collectorFlags(flags);
  if (!replacesDefaultCollector(flags)) return flags.length ? { opts: flags.join(' ') } : {};
  const unlock = flags.filter((f) => UNLOCK_RE.test(f));
  const rest = flags.filter((f) => !COLLECTOR_FLAG_RE.test(f) && !UNLOCK_RE.test(f));
  const performance = [
    ...UPSTREAM_JVM_PERFORMANCE_OPTS.filter((f) => !G1_FLAGS.has(f)),
    ...unlock,
    ...chosen,
  ];
  return { performance: performance.join(' '), ...(rest.length ? { opts: rest.join(' ') } : {}) };
}

function env(inputs: Inputs): Record<string, string> {
  const jvm = planKafkaJvmOpts(inputs.jvmFlags);
  return {
    // kafka-run-class.sh writes server.log, controller.log and the GC log under LOG_DIR.
    LOG_DIR: inputs.logDir,
    // kafka-server-start.sh defaults to -Xmx1G -Xms1G when KAFKA_HEAP_OPTS is unset.
    ...(inputs.heap ? { KAFKA_HEAP_OPTS: `-Xms${inputs.heap} -Xmx${inputs.heap}` } : {}),
    ...(jvm.performance ? { KAFKA_JVM_PERFORMANCE_OPTS: jvm.performance } : {}),
    ...(jvm.opts ? { KAFKA_OPTS: jvm.opts } : {}),
  };
}

/**
 * How to run one Kafka node in the foreground under the agent: `bin/kafka-server-start.sh
 * <server.properties>` (without -daemon it execs java through kafka-run-class.sh, so the pid we
 * spawn is the JVM). The console output goes to a size-capped kafka.out.
 */
export function planKafkaProcess(inputs: Inputs): ProcessPlan {
  const props = kafka.serverPropertiesPath(inputs);
  return {
    command: `${inputs.home}/bin/kafka-server-start.sh`,
    args: [props],
    env: env(inputs),
    cwd: inputs.logDir,
    adoptMatch: [props],
    // Controlled shutdown moves partition leadership away first (service-facts §2.5); with the
    // default 3 retries of 5 s it can take a while, and a SIGKILL mid-way costs an unclean log recovery.
    stopGraceMs: 30_000,
    dirs: [inputs.confDir, inputs.logDir, ...inputs.logDirs],
    logFile: `${inputs.logDir}/kafka.out`,
    // The broker's own log: config/log4j(2) writes server.log in kafka.logs.dir (= LOG_DIR), rolled
    // by log4j (upstream 3.x: hourly to server.log.YYYY-MM-DD-HH; size-based to server.log.N in
    // other configs). `hactl logs` and `logs -f` read it; kafka.out keeps the console output.
    serviceLogFiles: [`${inputs.logDir}/server.log`],
  };
}

/**
 * KRaft: every log dir must be formatted before the first start (service-facts §2.3). With a static
 * `controller.quorum.voters`, `--standalone` and `--initial-controllers` are refused and none of the
 * dynamic-quorum flags is needed; `--ignore-formatted` makes the command safe before every start.
 * ZooKeeper mode formats nothing (formatting a ZK-mode config fails). kafka-storage.sh runs through
 * kafka-run-class.sh too, so it gets the same JVM options as the server.
 */
export function planKafkaPreStart(
  inputs: Inputs,
): { command: string; args: string[]; env: Record<string, string>; cwd: string }[] {
  if (inputs.mode !== 'kraft' || !inputs.clusterId) return [];
  return [
    {
      command: `${inputs.home}/bin/kafka-storage.sh`,
      args: [
        'format',
        // One argument, `=` joined: a base64url id may start with `-` (1 in 64), which kafka-storage
        // takes for an option after a separate `-t` ("argument --cluster-id/-t: expected one
        // argument"; Kafka's own random-uuid never starts with `-` for that reason).
        `--cluster-id=${inputs.clusterId}`,
        '-c',
        kafka.serverPropertiesPath(inputs),
        '--ignore-formatted',
      ],
      env: env(inputs),
      cwd: inputs.logDir,
    },
  ];
}
