/**
 * An in-memory CliIo for tests: a fake HTTP client that records every request and answers from a table of
 * recorded responses, captured stdout/stderr, and files in a map. Unrouted requests fail the test by
 * answering 599 with a message naming the request.
 */
import type { HttpClient } from './http.js';
import type { CliIo } from './io.js';
import { InputTooLargeError } from './read-capped.js';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

export type FakeAnswer = { status?: number; body?: unknown; raw?: string } | Error;

export interface FakeIo extends CliIo {
  requests: RecordedRequest[];
  /** Files whose content was read (not just sized). */
  reads: string[];
  out: () => string;
  err: () => string;
  /** Every wait asked for (ms), in order; each returns at once. */
  sleeps: number[];
}

export const FIXED_NOW = Date.parse('2025-01-01T12:00:00.000Z');

/**
 * `routes` maps "METHOD URL" to one answer, or to a list of answers used in turn (for repeated PUTs
 * to the same path).
 */
export function fakeIo(
  routes: Record<string, FakeAnswer | FakeAnswer[]> = {},
  opts: {
    files?: Record<string, string>;
    /** Sizes in bytes that differ from the content's, for files too large to hold in a test. */
    sizes?: Record<string, number>;
    stdin?: string;
    env?: Record<string, string>;
    isTty?: boolean;
  } = {},
): FakeIo {
  const requests: RecordedRequest[] = [];
  const reads: string[] = [];
  const sleeps: number[] = [];
  const used = new Map<string, number>();
  let stdout = '';
  let stderr = '';

  const fakeHttp: HttpClient = async (req) => {
    const { method, url, headers } = req;
    const rec: RecordedRequest = { method, url, headers: { ...headers } };
    if (typeof req.body === 'string') rec.body = JSON.parse(req.body) as unknown;
    requests.push(rec);

    const key = `${method} ${url}`;
    const route = routes[key];
    const n = used.get(key) ?? 0;
    used.set(key, n + 1);
    const answer = Array.isArray(route) ? route[n] : route;
    if (answer === undefined)
      return { status: 599, statusText: '', body: `no fake route for ${key} (call ${n + 1})` };
    if (answer instanceof Error) throw answer;
    const text = answer.raw ?? JSON.stringify(answer.body ?? null);
    return { status: answer.status ?? 200, statusText: '', body: text };
  };

  return {
    http: fakeHttp,
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
    env: opts.env ?? {},
    readFile: async (path, maxBytes) => {
      const text = opts.files?.[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      // As the real one: the size is known before anything is read.
      const size = opts.sizes?.[path] ?? Buffer.byteLength(text);
      if (size > maxBytes) throw new InputTooLargeError(maxBytes, size);
      reads.push(path);
      return text;
    },
    readStdin: async (maxBytes) => {
      const text = opts.stdin ?? '';
      if (Buffer.byteLength(text) > maxBytes) throw new InputTooLargeError(maxBytes, undefined);
      return text;
    },
    isTty: opts.isTty ?? false,
    now: () => FIXED_NOW,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
    requests,
    reads,
    out: () => stdout,
    err: () => stderr,
  };
}

/** The error node:http gives when nothing listens on the port. */
export function connectionRefused(addr = '127.0.0.1:7080'): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${addr}`), { code: 'ECONNREFUSED' });
}
