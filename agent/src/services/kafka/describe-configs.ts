import { kafka as shared } from '@hactl/shared';
import { encodeRequest, requestFrame, WireReader } from './wire.js';

/**
 * A raw DescribeConfigs request (API key 32, v1, non-flexible) for topics' `min.insync.replicas`,
 * sent to one broker. Not kafkajs: its admin first fetches Metadata for the named topics and throws
 * LEADER_NOT_AVAILABLE when one is offline (seen on Kafka 4.1.1 with a topic whose only replica was
 * down), exactly when a gate or a removal check must still read the others. v1 is the oldest
 * version Kafka 4.x serves (4.0 removed v0, DescribeConfigsRequest.json "validVersions": "1-4");
 * 3.9 serves it too. The answer holds each topic's effective value (its override, else the
 * broker's default).
 */
export const DESCRIBE_CONFIGS_KEY = 32;
/** ConfigResource.Type.TOPIC. */
const TOPIC_RESOURCE = 2;
const MIN_ISR = 'min.insync.replicas';

function str(s: string): Buffer {
  const b = Buffer.from(s);
  const len = Buffer.alloc(2);
  len.writeInt16BE(b.length, 0);
  return Buffer.concat([len, b]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n, 0);
  return b;
}

/** The whole request frame (size prefix included) asking `min.insync.replicas` of `topics`. */
export function encodeDescribeMinIsrRequest(topics: readonly string[], correlationId: number): Buffer {
  const body = Buffer.concat([
    int32(topics.length),
    ...topics.flatMap((t) => [Buffer.from([TOPIC_RESOURCE]), str(t), int32(1), str(MIN_ISR)]),
    Buffer.from([0]), // include_synonyms false
  ]);
  return encodeRequest(DESCRIBE_CONFIGS_KEY, 1, correlationId, 'hactl-agent', false, body);
}

/**
 * Parses a v1 response frame without its size prefix → topic → `min.insync.replicas`; topics that
 * answered with an error (e.g. UNKNOWN_TOPIC_OR_PARTITION for one deleted meanwhile) are left out.
 */
export function decodeDescribeMinIsrResponse(frame: Buffer): {
  correlationId: number;
  minIsr: Record<string, number>;
} {
  const r = new WireReader(frame, 'DescribeConfigs response');
  const correlationId = r.int32();
  r.int32(); // throttle_time_ms
  const minIsr: Record<string, number> = {};
  r.array((x) => {
    const errorCode = x.int16();
    x.nullableString(); // error_message
    x.int8(); // resource_type
    const name = x.string();
    const configs = x.array((c) => {
      const key = c.string();
      const value = c.nullableString();
      c.int8(); // read_only
      c.int8(); // config_source
      c.int8(); // is_sensitive
      c.array((s) => [s.string(), s.nullableString(), s.int8()]); // synonyms
      return { key, value };
    });
    const v = configs.find((c) => c.key === MIN_ISR)?.value;
    if (errorCode === 0 && v != null) minIsr[name] = shared.parseMinIsr(`topic ${name}`, v);
  });
  return { correlationId, minIsr };
}

/** Sends the request to the broker at `address:port`; resolves with the raw response frame (testdata). */
export function describeMinIsrFrame(
  broker: { address: string; port: number },
  topics: readonly string[],
  timeoutMs: number,
): Promise<Buffer> {
  return requestFrame(
    broker.address,
    broker.port,
    encodeDescribeMinIsrRequest(topics, 1),
    timeoutMs,
    'DescribeConfigs',
    64 * 1024 * 1024,
  );
}

/** The effective `min.insync.replicas` of `topics`, asked of the broker at `address:port`. */
export async function describeMinIsr(
  broker: { address: string; port: number },
  topics: string[],
  timeoutMs: number,
): Promise<Record<string, number>> {
  if (!topics.length) return {};
  const { correlationId, minIsr } = decodeDescribeMinIsrResponse(
    await describeMinIsrFrame(broker, topics, timeoutMs),
  );
  if (correlationId !== 1) throw new Error(`DescribeConfigs correlation id ${correlationId}, expected 1`);
  return minIsr;
}
