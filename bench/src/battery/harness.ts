/**
 * The battery's harness: a real control plane as a child process (restartable, killable), a raw
 * HTTP client that sends exactly the bytes a case asks for (no path normalisation, any method,
 * any Content-Type), and the classes every case ends in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The loopback address the control plane listens on. */
export const CP_HOST = '127.0.16.1';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on `host` (bound and released; the control plane binds it right after). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export type Surface = 'REST' | 'gRPC' | 'CLI' | 'durability';
/**
 * good: refused with a clear answer naming the field (4xx with the field's path, a gRPC status
 * naming it, a CLI error naming it); unclear: refused without saying which field or why; accepted:
 * taken (and, for a mutation, stored) although it should have been refused; crash: 5xx, a dead
 * process, a stream ended without a status; lost: an acknowledged write missing afterwards.
 */
export type Class = 'good' | 'unclear' | 'accepted' | 'crash' | 'lost';
export const CLASSES: readonly Class[] = ['good', 'unclear', 'accepted', 'crash', 'lost'];

export interface Outcome {
  surface: Surface;
  name: string;
  input: string;
  answer: string;
  cls: Class;
}

/** Shortens a value for the report, escaping what would break a terminal line. */
export function show(v: unknown, max = 160): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  const escaped = JSON.stringify(s.length > max ? `${s.slice(0, max)}…(${s.length} chars)` : s);
  return typeof v === 'string' ? escaped : escaped.slice(1, -1).replace(/\\"/g, '"');
}

/** The control plane under test: control-plane/dist/main.js with a temp data dir, killable and restartable. */
export class ControlPlane {
  child: ChildProcess | undefined;
  readonly dir: string;
  readonly logFile: string;
  httpPort = 0;
  grpcPort = 0;
  /** Times the process ended without being asked to. */
  unexpectedExits = 0;
  private stopping = false;

  constructor(dir: string) {
    this.dir = dir;
    this.logFile = path.join(dir, 'control-plane.log');
  }

  /** The first admin token, written by the control plane at its first start; undefined before. */
  get token(): string | undefined {
    const f = path.join(this.dir, 'data', 'admin.token');
    return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : undefined;
  }

  get dbFile(): string {
    return path.join(this.dir, 'data', 'state.db');
  }

  alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (!this.httpPort) this.httpPort = await freePort(CP_HOST);
    if (!this.grpcPort) this.grpcPort = await freePort(CP_HOST);
    const log = fs.openSync(this.logFile, 'a');
    this.stopping = false;
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'control-plane/dist/main.js'),
        '--data-dir',
        path.join(this.dir, 'data'),
        '--listen-http',
        `${CP_HOST}:${this.httpPort}`,
        '--listen-grpc',
        `${CP_HOST}:${this.grpcPort}`,
        '--insecure',
        '--report-interval-ms',
        '1000',
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    fs.closeSync(log);
    this.child = child;
    child.on('exit', () => {
      if (!this.stopping) this.unexpectedExits++;
    });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const r = await rest(this, 'GET', '/healthz', { timeoutMs: 1000 });
      if (r.status === 200) return;
      if (!this.alive()) throw new Error(`control plane exited at start; see ${this.logFile}`);
      if (Date.now() > deadline) throw new Error(`control plane not up after 20 s; see ${this.logFile}`);
      await sleep(100);
    }
  }

  /** Ends the process with `signal` and waits for it to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || !this.alive()) return;
    this.stopping = true;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await gone;
  }
}

export interface Answer {
  /** 0 when no HTTP answer came (connection refused or reset, timeout). */
  status: number;
  text: string;
  json?: unknown;
  error?: string;
}

export interface RequestOptions {
  /** A raw body (sent as is) or a value sent as JSON. */
  raw?: string | Buffer;
  json?: unknown;
  /** Content-Type; null sends none. Default application/json when there is a body. */
  type?: string | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const guarded = new WeakSet<object>();

/** One HTTP request to the control plane, path sent exactly as given. */
export function rest(cp: ControlPlane, method: string, p: string, o: RequestOptions = {}): Promise<Answer> {
  const body = o.raw ?? (o.json === undefined ? undefined : JSON.stringify(o.json));
  const headers: Record<string, string> = { ...o.headers };
  // As admin unless the call sets its own authorization (issue 12: every route needs a token).
  const token = cp.token;
  if (token && !Object.keys(headers).some((k) => k.toLowerCase() === 'authorization'))
    headers.authorization = `Bearer ${token}`;
  const type = o.type === undefined ? (body === undefined ? null : 'application/json') : o.type;
  if (type !== null) headers['content-type'] = type;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve) => {
    let done = false;
    const finish = (a: Answer) => {
      if (done) return;
      done = true;
      resolve(a);
    };
    const req = http.request(
      // Large bodies on a connection of their own: the server may close it after an early answer.
      {
        host: CP_HOST,
        port: cp.httpPort,
        method,
        path: p,
        headers,
        agent: body && body.length > 65536 ? false : agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => finish({ status: 0, text: '', error: e.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          finish({ status: res.statusCode ?? 0, text, json });
        });
      },
    );
    req.setTimeout(o.timeoutMs ?? 20_000, () => {
      req.destroy(new Error('timeout'));
    });
    req.on('error', (e) => finish({ status: 0, text: '', error: e.message }));
    // A server that answers (413) and closes before the whole body is written leaves an EPIPE on the socket.
    req.on('socket', (sock) => {
      if (guarded.has(sock)) return;
      guarded.add(sock);
      sock.on('error', () => undefined);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

interface ErrorShape {
  error?: { code?: unknown; message?: unknown; details?: { path?: unknown; message?: unknown }[] };
}

/** The error body's code, message and detail paths, as far as the body has them. */
export function errorOf(a: Answer): {
  code: string;
  message: string;
  details: { path: string; message: string }[];
  paths: string[];
  text: string;
} {
  const e = (a.json as ErrorShape | undefined)?.error;
  const details = (Array.isArray(e?.details) ? e.details : []).map((d) => ({
    path: String(d.path ?? ''),
    message: String(d.message ?? ''),
  }));
  const paths = details.map((d) => d.path);
  const message = typeof e?.message === 'string' ? e.message : '';
  const text = [message, ...details.map((d) => `${d.path}: ${d.message}`)].join('; ');
  return { code: typeof e?.code === 'string' ? e.code : '', message, details, paths, text };
}

/** A short form of an answer for the report. */
export function describeAnswer(a: Answer): string {
  if (a.status === 0) return `no answer (${a.error ?? 'closed'})`;
  const e = errorOf(a);
  return `${a.status} ${e.code ? `${e.code}: ${e.text}` : show(a.text, 200)}`;
}

/**
 * Whether a detail path names the expected field: the same path, a path below it, or (for fields
 * the server names relative to an item, e.g. a clash reported on the other member) the same tail.
 */
export function namesField(paths: string[], field: string | string[]): boolean {
  const want = Array.isArray(field) ? field : [field];
  return want.some((f) =>
    paths.some((p) => p === f || p.startsWith(`${f}.`) || p.startsWith(`${f}[`) || p.endsWith(`.${f}`)),
  );
}

/** A spec path as the server writes it: `members[0].dataDir`, `settings.a.b`. */
export function pathString(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

/** A deep copy of `spec` with the value at `segments` replaced (created where missing). */
export function withField(spec: unknown, segments: readonly (string | number)[], value: unknown): unknown {
  const copy = structuredClone(spec) as Record<string | number, unknown>;
  let node = copy;
  segments.forEach((s, i) => {
    if (i === segments.length - 1) {
      if (value === undefined) delete node[s];
      else node[s] = value;
      return;
    }
    if (typeof node[s] !== 'object' || node[s] === null)
      node[s] = typeof segments[i + 1] === 'number' ? [] : {};
    node = node[s] as Record<string | number, unknown>;
  });
  return copy;
}
