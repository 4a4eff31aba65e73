import type { RenderedFile } from '../../domain.js';
import type { ZookeeperInputs } from './inputs.js';
import { DEFAULT_ZK_LOGGING } from './plan.js';
import { hostPort } from '../../address.js';

/**
 * zoo.cfg and myid for one member. Byte-stable: sorted keys, no timestamps.
 *
 * - Static membership with `reconfigEnabled=false`: with reconfig on, ZooKeeper rewrites zoo.cfg
 *   and would fight the agent (service-facts §0.4).
 * - One member → no `server.N` lines: a single line with standaloneEnabled=true is ignored with an
 *   error log anyway (§0.5).
 * - The AdminServer binds the member's own address, never 0.0.0.0:8080 (§0.6).
 * - Client port and address as separate keys, the form every 3.5+ release accepts.
 */
export function renderZooCfg(inputs: ZookeeperInputs): string {
  const kv: Record<string, string> = {
    ...inputs.config,
    dataDir: inputs.dataDir,
    clientPort: String(inputs.clientPort),
    clientPortAddress: inputs.address,
    reconfigEnabled: 'false',
    standaloneEnabled: inputs.servers.length > 1 ? 'false' : 'true',
    'admin.enableServer': inputs.adminPort === 0 ? 'false' : 'true',
  };
  if (inputs.adminPort !== 0) {
    kv['admin.serverAddress'] = inputs.address;
    kv['admin.serverPort'] = String(inputs.adminPort);
  }
  const lines = [
    `# Rendered by hactl for cluster ${inputs.cluster}, member ${inputs.myid}. Local edits are overwritten.`,
    ...Object.keys(kv)
      .sort()
      .map((k) => `${k}=${kv[k]}`),
    ...inputs.servers.map((s) => `server.${s.id}=${hostPort(s.address, s.peerPort)}:${s.electionPort}`),
  ];
  return lines.join('\n') + '\n';
}

/** Where a member's own log goes: the file `describe`, `hactl logs` and the README name. */
export function zookeeperLogFile(inputs: Pick<ZookeeperInputs, 'logDir'>): string {
  return `${inputs.logDir}/zookeeper.log`;
}

/** The layout upstream's conf/logback.xml uses (ZooKeeper 3.8), so log lines read the same. */
const LOG_PATTERN = '%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n';

/**
 * logback.xml for one member, passed to the JVM with -Dlogback.configurationFile. ZooKeeper 3.8
 * logs through SLF4J; upstream ships logback as the binding (ZOOKEEPER-4427) with a console-only
 * default, and Debian's package ships no binding on zkServer.sh's class path, so without this file
 * (and the binding the agent adds) every INFO/WARN line is lost.
 *
 * - `zookeeper.log` rolls by size (SizeBasedTriggeringPolicy) into `zookeeper.log.1` … `.N`
 *   (FixedWindowRollingPolicy, whose window logback caps at 20), so a member's log is bounded at
 *   (maxFiles + 1) × maxFileSize.
 * - ERROR lines also go to the console, i.e. the agent's captured `zookeeper.out`, next to the JVM's
 *   own start-up errors, so a crash's cause is in both files.
 * - Values are literal (no `${…}` logback substitution); paths are absolute paths without XML
 *   metacharacters (absPathSchema), escaped anyway.
 * - At INFO, the connection classes log at WARN: hactl's own probes send `srvr` and `mntr` every
 *   few seconds and ZooKeeper logs each ("Processing srvr command from …",
 *   NIOServerCnxn/NettyServerCnxn.checkFourLetterWord), which buried everything else in the log.
 *   DEBUG and TRACE keep them.
 */
export function renderLogbackXml(inputs: ZookeeperInputs): string {
  const logging = inputs.logging ?? DEFAULT_ZK_LOGGING;
  const file = xml(zookeeperLogFile(inputs));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- Rendered by hactl for cluster ${xml(inputs.cluster)}, member ${inputs.myid}. Local edits are overwritten. -->`,
    '<configuration>',
    '  <appender name="ROLLINGFILE" class="ch.qos.logback.core.rolling.RollingFileAppender">',
    `    <file>${file}</file>`,
    '    <encoder>',
    `      <pattern>${xml(LOG_PATTERN)}</pattern>`,
    '    </encoder>',
    '    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">',
    `      <fileNamePattern>${file}.%i</fileNamePattern>`,
    '      <minIndex>1</minIndex>',
    `      <maxIndex>${logging.maxFiles}</maxIndex>`,
    '    </rollingPolicy>',
    '    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">',
    `      <maxFileSize>${logging.maxFileSize}</maxFileSize>`,
    '    </triggeringPolicy>',
    '  </appender>',
    '  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">',
    '    <filter class="ch.qos.logback.classic.filter.ThresholdFilter">',
    '      <level>ERROR</level>',
    '    </filter>',
    '    <encoder>',
    `      <pattern>${xml(LOG_PATTERN)}</pattern>`,
    '    </encoder>',
    '  </appender>',
    ...(logging.level === 'INFO'
      ? [
          '  <logger name="org.apache.zookeeper.server.NIOServerCnxn" level="WARN"/>',
          '  <logger name="org.apache.zookeeper.server.NettyServerCnxn" level="WARN"/>',
        ]
      : []),
    `  <root level="${logging.level}">`,
    '    <appender-ref ref="ROLLINGFILE"/>',
    '    <appender-ref ref="CONSOLE"/>',
    '  </root>',
    '</configuration>',
    '',
  ].join('\n');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderZookeeperFiles(inputs: ZookeeperInputs): RenderedFile[] {
  return [
    { path: `${inputs.confDir}/zoo.cfg`, content: renderZooCfg(inputs), mode: 0o644 },
    { path: `${inputs.confDir}/logback.xml`, content: renderLogbackXml(inputs), mode: 0o644 },
    // Only the first line is read, as a long (service-facts §1.2).
    { path: `${inputs.dataDir}/myid`, content: `${inputs.myid}\n`, mode: 0o644 },
  ];
}
