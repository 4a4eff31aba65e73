import { describe, it, expect } from 'vitest';
import { parseProperties } from '../src/properties.js';
import { parseServerConfig } from '../src/config.js';
import { planPartitionState, assignReplicas } from '../src/partition-planner.js';
import { renderBrokerRegistration } from '../src/zk-json.js';
import { buildMetadataResponse } from '../src/cluster-view.js';
import { encodeMetadataResponse, encodeApiVersionsResponse } from '../src/messages.js';
import { supportedApis } from '../src/api.js';

describe('kafka emulator units', () => {
  it('parses Java properties: separators, comments, continuations, escapes', () => {
    const p = parseProperties(
      [
        '# comment',
        '! also a comment',
        'a=1',
        'b : 2',
        'c 3',
        '  d=multi \\',
        '     line',
        'e=tab\\there\\u0041',
        'key\\ with\\ spaces=x',
        'f=',
        'a=last',
        'g=ends with backslash\\\\',
      ].join('\n'),
    );
    expect(Object.fromEntries(p)).toEqual({
      a: 'last',
      b: '2',
      c: '3',
      d: 'multi line',
      e: 'tab\thereA',
      'key with spaces': 'x',
      f: '',
      g: 'ends with backslash\\',
    });
  });

  it('resolves ZK-mode defaults: advertised = listeners, chroot split, log.dir fallback', () => {
    const cfg = parseServerConfig(
      new Map([
        ['broker.id', '2'],
        ['listeners', 'PLAINTEXT://h:9092'],
        ['log.dir', '/data/k'],
        ['zookeeper.connect', 'z1:2181,z2:2181/kafka/main'],
      ]),
    );
    expect(cfg.mode).toBe('zk');
    expect(cfg.advertisedListeners).toEqual([{ name: 'PLAINTEXT', host: 'h', port: 9092 }]);
    expect(cfg.zkServers).toBe('z1:2181,z2:2181');
    expect(cfg.zkChroot).toBe('/kafka/main');
    expect(cfg.logDirs).toEqual(['/data/k']);
  });

  it('broker registration JSON: host/port from the PLAINTEXT endpoint, rack only when set', () => {
    const j = JSON.parse(
      renderBrokerRegistration(
        [
          { name: 'SSL', host: 'h', port: 9093 },
          { name: 'INTERNAL', host: 'h', port: 9094 },
        ],
        new Map([
          ['SSL', 'SSL'],
          ['INTERNAL', 'PLAINTEXT'],
        ]),
        null,
        1704032948949,
      ),
    ) as Record<string, unknown>;
    expect(j).toEqual({
      features: {},
      listener_security_protocol_map: { SSL: 'SSL', INTERNAL: 'PLAINTEXT' },
      endpoints: ['SSL://h:9093', 'INTERNAL://h:9094'],
      jmx_port: -1,
      port: 9094,
      host: 'h',
      version: 5,
      timestamp: '1704032948949',
    });
  });

  it.each([
    ['follower dies → leaves ISR, epoch bumps', [1, 2, 3], { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 }, [1, 3], [], { leader: 1, leaderEpoch: 1, isr: [1, 3] }],
    ['leader dies → next ISR member leads', [1, 2, 3], { leader: 1, leaderEpoch: 4, isr: [1, 2, 3], controllerEpoch: 1 }, [2, 3], [], { leader: 2, leaderEpoch: 5, isr: [2, 3] }],
    ['last ISR member dies → leader -1, ISR keeps it', [1, 2], { leader: 1, leaderEpoch: 2, isr: [1], controllerEpoch: 1 }, [2], [], { leader: -1, leaderEpoch: 3, isr: [1] }],
    ['replica returns → rejoins ISR without epoch bump', [1, 2, 3], { leader: 1, leaderEpoch: 1, isr: [1, 3], controllerEpoch: 1 }, [1, 2, 3], [], { leader: 1, leaderEpoch: 1, isr: [1, 3, 2] }],
    ['controlled shutdown of the leader → leadership moves', [1, 2, 3], { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 }, [1, 2, 3], [1], { leader: 2, leaderEpoch: 1, isr: [2, 3] }],
    ['controlled shutdown of the only replica → stays', [1], { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 }, [1], [1], undefined],
  ] as const)('partition planner: %s', (_name, replicas, current, live, shutting, expected) => {
    const next = planPartitionState({ replicas, current, live: new Set(live), shuttingDown: new Set(shutting), controllerEpoch: 2 });
    if (expected === undefined) expect(next).toBeUndefined();
    else expect(next).toEqual({ ...expected, controllerEpoch: 2 });
  });

  it('assigns replicas round-robin, capping rf at the broker count', () => {
    expect(assignReplicas([3, 1, 2], 3, 3)).toEqual([
      [1, 2, 3],
      [2, 3, 1],
      [3, 1, 2],
    ]);
    expect(assignReplicas([5], 2, 3)).toEqual([[5], [5]]);
  });

  it('metadata: dead leader → LEADER_NOT_AVAILABLE and -1; dead replica listed offline', () => {
    const view = {
      clusterId: 'c',
      controllerId: 2,
      brokers: new Map([[2, { id: 2, endpoints: [{ name: 'PLAINTEXT', host: 'h2', port: 9092 }], rack: null }]]),
      topics: new Map([
        [
          't',
          {
            name: 't',
            topicId: 'x',
            partitions: new Map([
              [0, { replicas: [1, 2], state: { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 } }],
              [1, { replicas: [2, 1], state: { leader: 2, leaderEpoch: 0, isr: [2], controllerEpoch: 1 } }],
            ]),
          },
        ],
      ]),
    };
    const res = buildMetadataResponse(view, { topics: null, allowAutoTopicCreation: false }, 'PLAINTEXT', 6);
    expect(res.brokers).toEqual([{ nodeId: 2, host: 'h2', port: 9092, rack: null }]);
    expect(res.topics[0]!.partitions[0]).toMatchObject({ errorCode: 5, leader: -1, offlineReplicas: [1] });
    expect(res.topics[0]!.partitions[1]).toMatchObject({ errorCode: 0, leader: 2, offlineReplicas: [1] });
    const v0 = buildMetadataResponse(view, { topics: ['t', 'nope'], allowAutoTopicCreation: false }, 'PLAINTEXT', 0);
    expect(v0.topics[0]!.partitions[1]).toMatchObject({ errorCode: 9, replicas: [2] });
    expect(v0.topics[1]).toMatchObject({ errorCode: 3, name: 'nope' });
    // v6 body starts with throttle_time_ms, then the broker array.
    const body = encodeMetadataResponse(6, res);
    expect(body.readInt32BE(0)).toBe(0);
    expect(body.readInt32BE(4)).toBe(1);
  });

  it('ApiVersions: v0 layout has no throttle time; an error response stays in the v0 layout', () => {
    const apis = supportedApis('zk-broker');
    expect(encodeApiVersionsResponse(0, apis, 0).length).toBe(2 + 4 + 6 * apis.length);
    expect(encodeApiVersionsResponse(2, apis, 0).length).toBe(2 + 4 + 6 * apis.length + 4);
    expect(encodeApiVersionsResponse(2, apis, 35).length).toBe(2 + 4 + 6 * apis.length);
  });
});
