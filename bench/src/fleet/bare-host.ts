/**
 * The floor: a bare grpc-js server with the same proto, options and listener as the control plane
 * (server.ts), in a process of its own, that answers each hello with a welcome and an empty desired
 * state and, when asked, writes to every stream either one given message (`push`) or each host's
 * own message (`push-each`, the messages given once by `load`; the host is the stream's hello name).
 */
import type net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { agentServiceDefinition, type ControlMessage } from '@hactl/proto';
import { GRPC_SERVER_OPTIONS, listenGrpc } from '../../../control-plane/dist/server.js';
import { defaultConfig } from '../../../control-plane/dist/config.js';
import { serve, untilQuiet, monoNow, type Request } from './ipc.js';

type Call = grpc.ServerDuplexStream<{ hello?: { name?: string } }, ControlMessage>;
const calls = new Set<Call>();
/** Each stream's host, from its hello. */
const hostOf = new Map<Call, string>();
/** Each host's desired state (`load`), pushed by `push-each` with the generation it is given. */
let desiredOf = new Map<string, Record<string, unknown>>();
let listener: net.Server | undefined;
/** Messages received on every stream (hellos and reports), for `settle`. */
let reportsSeen = 0;

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.op) {
    case 'start': {
      const server = new grpc.Server(GRPC_SERVER_OPTIONS);
      const unimplemented = (_c: unknown, cb: grpc.sendUnaryData<object>) =>
        cb({ code: grpc.status.UNIMPLEMENTED });
      server.addService(agentServiceDefinition(), {
        Connect: (call: Call) => {
          call.once('data', (m: { hello?: { name?: string } }) => {
            calls.add(call);
            if (m.hello?.name) hostOf.set(call, m.hello.name);
            call.write({ welcome: { hostId: 'bare', reportIntervalMs: 5000, controlPlaneId: 'bare' } });
            call.write({ desired: { generation: 1, instances: [] } });
          });
          call.on('data', () => reportsSeen++);
          call.on('error', () => calls.delete(call));
          call.on('cancelled', () => calls.delete(call));
        },
        Enroll: unimplemented,
        AcquireLease: unimplemented,
        ReleaseLease: unimplemented,
      } as unknown as grpc.UntypedServiceImplementation);
      const bound = await listenGrpc(
        server,
        { host: '127.0.0.1', port: 0 },
        defaultConfig().grpcListenBacklog,
      );
      listener = bound.listener;
      const grpcPort = bound.port;
      return { grpcPort };
    }
    case 'push': {
      const message = req.message as ControlMessage;
      const t0 = monoNow();
      for (const c of calls) c.write(message);
      return { t0, applyMs: monoNow() - t0, streams: calls.size };
    }
    case 'load': {
      // A host whose agent received nothing comes as null: a missing message, not an empty one.
      desiredOf = new Map(
        Object.entries(req.desired as Record<string, Record<string, unknown> | null>).filter(
          (e): e is [string, Record<string, unknown>] => e[1] !== null,
        ),
      );
      const missing = [...calls].filter((c) => !desiredOf.has(hostOf.get(c) ?? '')).length;
      return { streams: calls.size, missing };
    }
    case 'push-each': {
      // Each stream's message is built before the clock starts: the floor is the write loop alone.
      const generation = req.generation as number;
      const messages = [...calls].map((c): [Call, ControlMessage] => [
        c,
        { desired: { ...desiredOf.get(hostOf.get(c) ?? ''), generation } },
      ]);
      const t0 = monoNow();
      for (const [c, m] of messages) c.write(m);
      return { t0, applyMs: monoNow() - t0, streams: calls.size };
    }
    case 'settle': {
      // As the control plane's (control-plane-host.ts): the agents report after each push, and the
      // next round waits until this server has read that burst.
      const settled = await untilQuiet(() => reportsSeen, req.quietMs as number, req.timeoutMs as number);
      return { settled };
    }
    case 'rss':
      return { rssMb: Math.round(process.memoryUsage().rss / 2 ** 20) };
    case 'exit':
      listener?.close();
      setTimeout(() => process.exit(0), 10);
      return {};
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

serve(handle);
