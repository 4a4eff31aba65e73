import { encodeRequest, requestFrame, WireReader } from './wire.js';

/**
 * A raw UnregisterBroker request (API key 64, v0, flexible; KRaft only; listeners broker and
 * controller in Kafka 4.1.1's UnregisterBrokerRequest.json): removes a broker's registration from
 * the controller's metadata, as `kafka-cluster.sh unregister --id N` does. Without it a broker
 * removed for good stays registered (fenced) forever. kafkajs has no API for it.
 */
export const UNREGISTER_BROKER_KEY = 64;
/** BROKER_ID_NOT_REGISTERED (102 in Errors.java): the broker has no registration (already unregistered). */
export const BROKER_ID_NOT_REGISTERED = 102;

/** The whole request frame (size prefix included). */
export function encodeUnregisterBrokerRequest(
  brokerId: number,
  correlationId: number,
  clientId = 'hactl-agent',
): Buffer {
  const body = Buffer.alloc(5); // int32 broker id, then an empty tagged-field section
  body.writeInt32BE(brokerId, 0);
  return encodeRequest(UNREGISTER_BROKER_KEY, 0, correlationId, clientId, true, body);
}

/** Parses a v0 response frame without its size prefix (response header v1: correlation id, tags). */
export function decodeUnregisterBrokerResponse(frame: Buffer): {
  correlationId: number;
  errorCode: number;
  errorMessage: string | null;
} {
  const r = new WireReader(frame, 'UnregisterBroker response');
  const correlationId = r.int32();
  r.tags();
  r.int32(); // throttle_time_ms
  const errorCode = r.int16();
  const errorMessage = r.compactString();
  return { correlationId, errorCode, errorMessage };
}

/** Sends the request to `host:port`; resolves with the raw response frame (testdata). */
export function unregisterBrokerFrame(
  host: string,
  port: number,
  brokerId: number,
  timeoutMs: number,
): Promise<Buffer> {
  return requestFrame(host, port, encodeUnregisterBrokerRequest(brokerId, 1), timeoutMs, 'UnregisterBroker');
}

/**
 * Unregisters `brokerId` through the broker or controller listener at `host:port`. Resolves with
 * `unregistered` or `not-registered` (BROKER_ID_NOT_REGISTERED: nothing left to remove); throws on
 * any other error code (e.g. the broker is still alive and unfenced) with Kafka's message.
 */
export async function unregisterBroker(
  host: string,
  port: number,
  brokerId: number,
  timeoutMs: number,
): Promise<'unregistered' | 'not-registered'> {
  const res = decodeUnregisterBrokerResponse(await unregisterBrokerFrame(host, port, brokerId, timeoutMs));
  if (res.correlationId !== 1)
    throw new Error(`UnregisterBroker correlation id ${res.correlationId}, expected 1`);
  if (res.errorCode === 0) return 'unregistered';
  if (res.errorCode === BROKER_ID_NOT_REGISTERED) return 'not-registered';
  throw new Error(
    `UnregisterBroker ${brokerId} at ${host}:${port}: error ${res.errorCode}${res.errorMessage ? ` (${res.errorMessage})` : ''}`,
  );
}
