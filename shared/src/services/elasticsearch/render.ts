import type { RenderedFile } from '../../domain.js';
import type { ElasticsearchInputs } from './inputs.js';

type Value = string | number | boolean | readonly (string | number | boolean)[];

/**
 * Security is rendered explicitly off: on its first start an 8.x node with no `xpack.security.*`
 * settings auto-configures TLS and appends a block to elasticsearch.yml, so the server would own part
 * of the file the agent renders (service-facts §0.17, §4.1). The agent probes plain HTTP.
 */
export const SECURITY_SETTINGS: Readonly<Record<string, boolean>> = {
  'xpack.security.enabled': false,
  'xpack.security.http.ssl.enabled': false,
  'xpack.security.transport.ssl.enabled': false,
};

/**
 * One YAML scalar: strings double-quoted. Inputs hold only characters SnakeYAML loads, with no line
 * break, control character or backslash (config-chars.ts), so JSON quoting escapes nothing but `"`
 * and is valid YAML.
 */
function yamlScalar(v: string | number | boolean): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function yamlValue(v: Value): string {
  return Array.isArray(v) ? `[${v.map(yamlScalar).join(', ')}]` : yamlScalar(v as string | number | boolean);
}

/**
 * elasticsearch.yml for one node: flat dotted keys (ES reads them like nested maps), sorted, strings
 * quoted, no timestamps. Managed keys win over nothing: validation refused them in `settings`.
 */
export function renderElasticsearchYml(inputs: ElasticsearchInputs): string {
  const kv: Record<string, Value> = {
    ...inputs.settings,
    ...SECURITY_SETTINGS,
    'cluster.name': inputs.cluster,
    'node.name': inputs.nodeName,
    'node.roles': inputs.roles,
    // Bind and publish the host's own address, never 0.0.0.0 (docs/service-kinds.md).
    'network.host': inputs.address,
    'http.port': inputs.httpPort,
    'transport.port': inputs.transportPort,
    'discovery.seed_hosts': inputs.seedHosts,
    'path.data': inputs.dataDir,
    'path.logs': inputs.logDir,
  };
  if (inputs.initialMasterNodes.length > 0) kv['cluster.initial_master_nodes'] = inputs.initialMasterNodes;
  for (const [name, value] of Object.entries(inputs.attributes)) kv[`node.attr.${name}`] = value;
  const lines = [
    `# Rendered by hactl for cluster ${inputs.cluster}, node ${inputs.nodeName}. Local edits are overwritten.`,
    ...Object.keys(kv)
      .sort()
      .map((k) => `${k}: ${yamlValue(kv[k]!)}`),
  ];
  return lines.join('\n') + '\n';
}

/**
 * jvm.options.d/heap.options. Without a heap in the spec the file holds only a comment, so ES's
 * automatic heap sizing applies — and an older heap setting is still overwritten when removed.
 * -Xms equals -Xmx: unequal sizes fail the heap bootstrap check in production mode.
 */
export function renderHeapOptions(inputs: ElasticsearchInputs): string {
  const head = `# Rendered by hactl for cluster ${inputs.cluster}, node ${inputs.nodeName}. Local edits are overwritten.`;
  if (!inputs.heap)
    return `${head}\n# No heap set: Elasticsearch sizes the heap from the node's roles and memory.\n`;
  return `${head}\n-Xms${inputs.heap}\n-Xmx${inputs.heap}\n`;
}

/**
 * jvm.options.d/hactl.options: the spec's JVM flags, one per line (ES reads every `*.options` file
 * there after config/jvm.options). Always rendered, a comment alone when there are none, so flags
 * removed from the spec leave the node. A collector here replaces the distribution's: the agent's
 * copy of config/jvm.options leaves -XX:+UseG1GC out (agent elasticsearch/process.ts).
 */
export function renderJvmOptions(inputs: ElasticsearchInputs): string {
  const head = `# Rendered by hactl for cluster ${inputs.cluster}, node ${inputs.nodeName}. Local edits are overwritten.`;
  const flags = inputs.jvmFlags ?? [];
  return [head, ...(flags.length ? flags : ['# No JVM flags set.'])].join('\n') + '\n';
}

export function renderElasticsearchFiles(inputs: ElasticsearchInputs): RenderedFile[] {
  return [
    { path: `${inputs.confDir}/elasticsearch.yml`, content: renderElasticsearchYml(inputs), mode: 0o644 },
    { path: `${inputs.confDir}/jvm.options.d/heap.options`, content: renderHeapOptions(inputs), mode: 0o644 },
    { path: `${inputs.confDir}/jvm.options.d/hactl.options`, content: renderJvmOptions(inputs), mode: 0o644 },
  ];
}
