import { describe, expect, it } from 'vitest';
import { GRPC_PORT_CODE, connectHint, transportErrorCode } from './errors.js';

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });
/** fetch (undici) wraps the transport error: "fetch failed" with the reason in `cause`. */
const fetchFailed = (cause: unknown) => new TypeError('fetch failed', { cause });

describe('transportErrorCode', () => {
  it.each([
    ['node:http: the code on the error itself', coded('ECONNREFUSED'), 'ECONNREFUSED'],
    [
      'fetch: the code on its cause',
      fetchFailed(coded('SELF_SIGNED_CERT_IN_CHAIN')),
      'SELF_SIGNED_CERT_IN_CHAIN',
    ],
    [
      "happy eyeballs: an AggregateError without a code, its first error's",
      fetchFailed(new AggregateError([coded('ECONNREFUSED'), coded('EHOSTUNREACH')])),
      'ECONNREFUSED',
    ],
    ['no code at all', new Error('boom'), undefined],
    ['not an error', 'boom', undefined],
  ])('%s', (_name, err, code) => expect(transportErrorCode(err)).toBe(code));
});

describe('connectHint', () => {
  it.each([
    [
      'a certificate from an unknown CA',
      fetchFailed(coded('SELF_SIGNED_CERT_IN_CHAIN')),
      /--ca FILE or the HACTL_CA/,
    ],
    ['a self-signed leaf', coded('DEPTH_ZERO_SELF_SIGNED_CERT'), /--ca FILE or the HACTL_CA/],
    [
      'a certificate for other names',
      coded('ERR_TLS_CERT_ALTNAME_INVALID'),
      /does not name the host in this URL/,
    ],
    ['the gRPC port over TLS', coded(GRPC_PORT_CODE), /gRPC port .* --listen-http/],
    ['the gRPC port in plaintext', coded('HPE_INVALID_CONSTANT'), /gRPC port .* --listen-http/],
    ['connection refused', coded('ECONNREFUSED'), /^is the control plane running there\? .*HACTL_SERVER/],
    ['no code', new Error('boom'), /^is the control plane running there\?/],
  ])('%s', (_name, cause, hint) => expect(connectHint(cause)).toMatch(hint));
});
