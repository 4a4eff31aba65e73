/**
 * ES's console pattern `[%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n`, e.g.
 * `[2024-05-09T15:42:42,113][INFO ][o.e.n.Node               ] [es-1] started`.
 */
export type Level = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface Logger {
  log(level: Level, logger: string, message: string): void;
  info(logger: string, message: string): void;
  warn(logger: string, message: string): void;
  error(logger: string, message: string): void;
}

/** `org.elasticsearch.node.Node` → `o.e.n.Node` (log4j `%c{1.}`). */
export function abbreviateLogger(name: string): string {
  const parts = name.split('.');
  return parts.map((p, i) => (i === parts.length - 1 ? p : p.charAt(0))).join('.');
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** log4j ISO8601 in local time: `yyyy-MM-dd'T'HH:mm:ss,SSS`. */
export function formatTimestamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`;
}

export function formatLine(now: Date, level: Level, logger: string, nodeName: string, message: string): string {
  return `[${formatTimestamp(now)}][${level.padEnd(5)}][${abbreviateLogger(logger).padEnd(25)}] [${nodeName}] ${message}`;
}

export function createLogger(nodeName: () => string, sink: (line: string) => void, clock: () => Date = () => new Date()): Logger {
  const log = (level: Level, logger: string, message: string): void => sink(formatLine(clock(), level, logger, nodeName(), message));
  return {
    log,
    info: (l, m) => log('INFO', l, m),
    warn: (l, m) => log('WARN', l, m),
    error: (l, m) => log('ERROR', l, m),
  };
}

/** Logger names used by the emulator, as ES names them. */
export const L = {
  node: 'org.elasticsearch.node.Node',
  bootstrap: 'org.elasticsearch.bootstrap.Elasticsearch',
  bootstrapChecks: 'org.elasticsearch.bootstrap.BootstrapChecks',
  transport: 'org.elasticsearch.transport.TransportService',
  http: 'org.elasticsearch.http.AbstractHttpServerTransport',
  coordinator: 'org.elasticsearch.cluster.coordination.Coordinator',
  bootstrapService: 'org.elasticsearch.cluster.coordination.ClusterBootstrapService',
  formation: 'org.elasticsearch.cluster.coordination.ClusterFormationFailureHelper',
  joinHelper: 'org.elasticsearch.cluster.coordination.JoinHelper',
  masterService: 'org.elasticsearch.cluster.service.MasterService',
  applier: 'org.elasticsearch.cluster.service.ClusterApplierService',
  allocation: 'org.elasticsearch.cluster.routing.allocation.AllocationService',
  settings: 'org.elasticsearch.common.settings.ClusterSettings',
  metadataCreate: 'org.elasticsearch.cluster.metadata.MetadataCreateIndexService',
  env: 'org.elasticsearch.env.NodeEnvironment',
  security: 'org.elasticsearch.xpack.security.Security',
  shutdown: 'org.elasticsearch.xpack.shutdown.TransportPutShutdownNodeAction',
} as const;
