import { HactlError, type Logger } from '@hactl/shared';

const STATUS: Record<string, number> = {
  invalid_argument: 400,
  invalid_json: 400,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  // RFC 4918 §11.5: the server cannot store what it needs to complete the request (a full disk).
  insufficient_storage: 507,
};

/** The HTTP half of the error mapping: `{error: {code, message, details}}` with a matching status. */
export function httpError(
  err: unknown,
  logger: Logger,
): {
  status: number;
  body: { error: { code: string; message: string; details: { path: string; message: string }[] } };
} {
  if (err instanceof HactlError) {
    return {
      status: STATUS[err.code] ?? 500,
      body: { error: { code: err.code, message: err.message, details: [...err.details] } },
    };
  }
  logger.error(
    { err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
    'unhandled error in REST handler',
  );
  return {
    status: 500,
    body: { error: { code: 'internal', message: 'internal error; see the control plane log', details: [] } },
  };
}
