import type { RenderedFile } from '../../domain.js';
import type { StormInputs } from './inputs.js';
import { bracketHost } from '../../address.js';
import { ROCKSDB_LOCATION_KEY, type StormSettingValue } from './spec.js';

/**
 * One YAML value, in flow style. Strings are always double-quoted: JSON string syntax is valid YAML,
 * and the inputs schema already refused what SnakeYAML will not load, control characters,
 * backslashes and YAML 1.1 line breaks (config-chars.ts), so the only escape JSON.stringify can
 * produce is `\"`. Quoting also keeps SnakeYAML (YAML 1.1) from reading `on`, `yes` or `0x10` as
 * booleans or numbers. Numbers are plain decimals. Lists are `[a, b]`; maps are `{"k": v}` with
 * quoted keys in sorted order (byte-stable; Storm reads a map's keys unordered), so a dotted key
 * such as `parallelism.hint` stays one key.
 */
function yamlValue(v: StormSettingValue): string {
  if (Array.isArray(v)) return `[${v.map(yamlValue).join(', ')}]`;
  if (typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}: ${yamlValue(v[k]!)}`)
      .join(', ')}}`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/** The keys hactl derives for one daemon; the role decides which it needs. */
function managedKeys(i: StormInputs): Record<string, StormSettingValue> {
  const kv: Record<string, StormSettingValue> = {
    // Storm appends `:<storm.zookeeper.port>` to each server (service-facts §3.1), so an IPv6
    // address goes in brackets. nimbus.seeds stay bare: Storm uses each seed as a host on its own
    // (a Thrift socket to seed + nimbus.thrift.port) and matches it against the nimbus hosts it
    // finds in ZooKeeper, which are storm.local.hostname, also bare.
    'storm.zookeeper.servers': i.zookeeper.servers.map(bracketHost),
    'storm.zookeeper.port': i.zookeeper.port,
    // A chroot: the connect string becomes h1:2181,h2:2181/<root> (service-facts §3.1).
    'storm.zookeeper.root': i.zookeeper.root,
    'nimbus.seeds': i.nimbusSeeds,
    'nimbus.thrift.port': i.nimbusPort,
    // Every daemon advertises the host address (in /nimbuses, the leader latch and SupervisorInfo).
    'storm.local.hostname': i.address,
    'storm.local.dir': i.localDir,
    'storm.log.dir': i.logDir,
  };
  // Role-specific keys only where they are read, so a slot change does not mark nimbus or the UI
  // for a restart.
  if (i.role === 'supervisor') {
    kv['supervisor.slots.ports'] = i.slots ?? [];
    if (i.supervisorThriftPort !== undefined) kv['supervisor.thrift.port'] = i.supervisorThriftPort;
  }
  if (i.role === 'nimbus' && i.settings[ROCKSDB_LOCATION_KEY] === undefined) {
    // The default `storm_rocks` resolves under storm.home, inside the distribution (spec.ts).
    kv[ROCKSDB_LOCATION_KEY] = `${i.localDir}/storm_rocks`;
  }
  if (i.role === 'ui') {
    // ui.host defaults to 0.0.0.0 (service-facts §3.1); hactl binds the host address.
    kv['ui.host'] = i.address;
    if (i.uiPort !== undefined) kv['ui.port'] = i.uiPort;
  }
  return kv;
}

/** storm.yaml for one daemon. Byte-stable: sorted keys, one `key: value` line each, no timestamps. */
export function renderStormYaml(inputs: StormInputs): string {
  const kv = { ...inputs.settings, ...managedKeys(inputs) };
  const lines = [
    `# Rendered by hactl for cluster ${inputs.cluster}, ${inputs.role} on ${inputs.host}. Local edits are overwritten.`,
    ...Object.keys(kv)
      .sort()
      .map((k) => `${k}: ${yamlValue(kv[k]!)}`),
  ];
  return lines.join('\n') + '\n';
}

export function renderStormFiles(inputs: StormInputs): RenderedFile[] {
  return [{ path: `${inputs.confDir}/storm.yaml`, content: renderStormYaml(inputs), mode: 0o644 }];
}
