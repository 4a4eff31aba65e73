import { HactlError, type Logger } from '@hactl/shared';
import { ERROR_STATUS } from '../errors.js';
import type { ErrorBody } from './contract.js';

/**
 * The HTTP half of the error mapping: `{error: {code, message, details, retriable}}` with the
 * status from the one table (control-plane/src/errors.ts).
 */
export function httpError(err: unknown, logger: Logger): { status: number; body: ErrorBody } {
  if (err instanceof HactlError) {
    return {
      status: ERROR_STATUS[err.code].http,
      body: {
        error: { code: err.code, message: err.message, details: [...err.details], retriable: err.retriable },
      },
    };
  }
  logger.error(
    { err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
    'unhandled error in REST handler',
  );
  return {
    status: 500,
    body: {
      error: {
        code: 'internal',
        message: 'internal error; see the control plane log',
        details: [],
        retriable: false,
      },
    },
  };
}
