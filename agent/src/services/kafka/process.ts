import type { ProcessPlan } from '@hactl/shared';
import { kafka } from '@hactl/shared';

type Inputs = kafka.KafkaInputs;

function env(inputs: Inputs): Record<string, string> {
  return {
    // kafka-run-class.sh writes server.log, controller.log and the GC log under LOG_DIR.
    LOG_DIR: inputs.logDir,
    // kafka-server-start.sh defaults to -Xmx1G -Xms1G when KAFKA_HEAP_OPTS is unset.
    ...(inputs.heap ? { KAFKA_HEAP_OPTS: `-Xms${inputs.heap} -Xmx${inputs.heap}` } : {}),
    ...(inputs.jvmFlags.length ? { KAFKA_OPTS: inputs.jvmFlags.join(' ') } : {}),
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
  };
}

/**
 * KRaft: every log dir must be formatted before the first start (service-facts §2.3). With a static
 * `controller.quorum.voters`, `--standalone` and `--initial-controllers` are refused and none of the
 * dynamic-quorum flags is needed; `--ignore-formatted` makes the command safe before every start.
 * ZooKeeper mode formats nothing (formatting a ZK-mode config fails).
 */
export function planKafkaPreStart(inputs: Inputs): { command: string; args: string[]; env: Record<string, string>; cwd: string }[] {
  if (inputs.mode !== 'kraft' || !inputs.clusterId) return [];
  return [{
    command: `${inputs.home}/bin/kafka-storage.sh`,
    args: ['format', '-t', inputs.clusterId, '-c', kafka.serverPropertiesPath(inputs), '--ignore-formatted'],
    env: env(inputs),
    cwd: inputs.logDir,
  }];
}
