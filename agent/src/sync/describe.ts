/** One line for an error in a status, command result or log: a HactlError's field problems included. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const details = (err as { details?: unknown }).details;
    // HactlError details are a list of field problems; a gRPC ServiceError's details is a string.
    return Array.isArray(details) && details.length
      ? `${err.message}: ${details.map((d: { path: string; message: string }) => `${d.path}: ${d.message}`).join('; ')}`
      : err.message;
  }
  return String(err);
}
