import { describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { isErrorCode } from '@hactl/shared';
import { ERROR_STATUS } from './errors.js';

describe('error codes', () => {
  it('every code travels as an HTTP error status and a non-OK gRPC status', () => {
    for (const [code, s] of Object.entries(ERROR_STATUS)) {
      expect([code, s.http >= 400 && s.http <= 599]).toEqual([code, true]);
      expect([code, s.grpc]).not.toEqual([code, grpc.status.OK]);
    }
  });

  it('the table and isErrorCode agree on which codes exist', () => {
    for (const code of Object.keys(ERROR_STATUS)) expect([code, isErrorCode(code)]).toEqual([code, true]);
    expect(isErrorCode('teapot')).toBe(false);
  });

  it('a code the client or agent raises still means a server-side failure if it ever travels', () => {
    expect(ERROR_STATUS.internal.http).toBe(500);
    expect(ERROR_STATUS.plan_failed.http).toBe(422);
    expect(ERROR_STATUS.unavailable.grpc).toBe(grpc.status.UNAVAILABLE);
  });
});
