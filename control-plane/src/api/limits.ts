/**
 * The largest request body the REST API reads (HTTP 413 above it). The CLI checks its inputs
 * against the same number before reading or sending them.
 */
export const MAX_BODY_BYTES = 1024 * 1024;
