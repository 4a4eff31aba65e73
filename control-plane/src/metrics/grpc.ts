import * as grpc from '@grpc/grpc-js';
import type { AgentServiceHandlers } from '@hactl/proto';
import type { Metrics } from './metrics.js';

const UNARY = ['Enroll', 'AcquireLease', 'ReleaseLease'] as const;

/** The gRPC status name of a callback's error (`OK` without one). */
function codeName(err: { code?: number } | null | undefined): string {
  if (!err) return 'OK';
  return (err.code !== undefined ? grpc.status[err.code] : undefined) ?? 'UNKNOWN';
}

/**
 * The agent service handlers, timed into `hactl_grpc_handling_seconds`: a unary call from its
 * arrival to its callback (Enroll includes signing the certificate), and on a Connect stream each
 * message the handler reads (`data` listeners run synchronously; the stream's lifetime is not a
 * latency and is not recorded). Handlers are otherwise unchanged.
 */
export function instrumentAgentHandlers(h: AgentServiceHandlers, metrics: Metrics): AgentServiceHandlers {
  const out = { ...h };
  for (const method of UNARY) {
    const inner = h[method] as (call: unknown, cb: (err: unknown, res?: unknown) => void) => void;
    (out as Record<string, unknown>)[method] = (call: unknown, cb: (err: unknown, res?: unknown) => void) => {
      const start = process.hrtime.bigint();
      inner(call, (err, res) => {
        metrics.observeGrpc(method, codeName(err as { code?: number } | null), seconds(start));
        cb(err, res);
      });
    };
  }
  out.Connect = (call) => {
    const on = call.on.bind(call);
    // Only `data` listeners are timed; every other event passes through as registered.
    call.on = ((event: string, listener: (...args: unknown[]) => void) => {
      if (event !== 'data') return on(event, listener);
      return on(event, (...args: unknown[]) => {
        const start = process.hrtime.bigint();
        let code = 'OK';
        try {
          listener(...args);
        } catch (err) {
          code = 'UNKNOWN';
          throw err;
        } finally {
          metrics.observeGrpc('Connect', code, seconds(start));
        }
      });
    }) as typeof call.on;
    h.Connect(call);
  };
  return out;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}
