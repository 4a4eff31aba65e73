import net from 'node:net';

/**
 * One kept TCP connection to a Kafka listener for the requests kafkajs has no API for
 * (DescribeQuorum), so a KRaft probe does not open and close a connection every interval (issue 9:
 * probes reuse their client connections). Requests go one at a time, as a probe sends them: each
 * gets the next correlation id, and the response frame must carry it (Kafka answers the requests of
 * one connection in order; a frame with another id means the stream is out of step).
 *
 * Any timeout, error, close or mismatched frame closes the connection for good: a late response
 * could otherwise be read as the next request's. The prober's ReusedClient then opens a fresh one.
 */
export class KafkaWireConnection {
  private buf: Buffer = Buffer.alloc(0);
  private nextCorrelationId = 1;
  private waiting:
    { correlationId: number; resolve: (frame: Buffer) => void; reject: (err: Error) => void } | undefined;
  private closedBy: Error | undefined;

  private constructor(
    private readonly sock: net.Socket,
    private readonly target: string,
    private readonly maxBytes: number,
  ) {
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (err) => this.fail(err));
    sock.on('close', () => this.fail(new Error(`${target} closed the connection`)));
  }

  /**
   * Connects to `host:port`; rejects when the listener does not accept within `timeoutMs`.
   * `maxBytes` bounds a response frame (default 1 MiB).
   */
  static open(
    host: string,
    port: number,
    timeoutMs: number,
    maxBytes = 1024 * 1024,
  ): Promise<KafkaWireConnection> {
    const target = `${host}:${port}`;
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host, port });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connecting to ${target} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      sock.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        sock.setKeepAlive(true, 60_000);
        resolve(new KafkaWireConnection(sock, target, maxBytes));
      });
    });
  }

  /** False once the connection has failed or been closed; it is never used again then. */
  get alive(): boolean {
    return this.closedBy === undefined;
  }

  /**
   * Sends the frame `build(correlationId)` makes (size prefix included) and resolves with the
   * response frame without its size prefix. Rejects, closing the connection, on a timeout, a
   * closed or failed socket, an oversized frame or a frame for another correlation id; also when a
   * request is already waiting (callers send one at a time). `what` names the request in errors.
   */
  request(build: (correlationId: number) => Buffer, timeoutMs: number, what: string): Promise<Buffer> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    if (this.waiting) return Promise.reject(new Error(`${what}: a request to ${this.target} is in flight`));
    const correlationId = this.nextCorrelationId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(new Error(`${what} to ${this.target} timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiting = {
        correlationId,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.sock.write(build(correlationId));
    });
  }

  /** Closes the connection; a waiting request is rejected. */
  close(): void {
    this.fail(new Error(`connection to ${this.target} closed`));
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (this.buf.length < 4) return;
    const size = this.buf.readInt32BE(0);
    if (size < 4 || size > this.maxBytes)
      return this.fail(new Error(`${this.target} sent a response frame of ${size} bytes`));
    if (this.buf.length < 4 + size) return;
    const frame = this.buf.subarray(4, 4 + size);
    this.buf = this.buf.subarray(4 + size);
    const w = this.waiting;
    const got = frame.readInt32BE(0);
    if (!w || got !== w.correlationId)
      return this.fail(
        new Error(`${this.target} answered correlation id ${got}, expected ${w?.correlationId ?? 'none'}`),
      );
    this.waiting = undefined;
    w.resolve(frame);
    // Nothing else was asked: more bytes mean the stream is out of step.
    if (this.buf.length)
      this.fail(new Error(`${this.target} sent ${this.buf.length} bytes nobody asked for`));
  }

  private fail(err: Error): void {
    if (!this.closedBy) {
      this.closedBy = err;
      this.sock.destroy();
    }
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
  }
}
