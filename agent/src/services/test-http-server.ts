import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';

/**
 * An HTTP server on 127.0.0.1 for the enclosing describe block (tests only): listens before its
 * tests, closes after them, and counts the TCP connections it accepted (keep-alive checks).
 */
export function testHttpServer(handler: http.RequestListener): {
  port: () => number;
  connections: { count: number };
} {
  const server = http.createServer(handler);
  const connections = { count: 0 };
  server.on('connection', () => connections.count++);
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { port: () => port, connections };
}
