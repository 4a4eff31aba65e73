/**
 * The floor: a bare grpc-js server with the same proto, options and listener as the control plane
 * (server.ts), in a process of its own, that answers each hello with a welcome and an empty desired
 * state and, when asked, writes one given message to every stream.
 */
import type net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { agentServiceDefinition, type ControlMessage } from '@hactl/proto';
import { GRPC_SERVER_OPTIONS, listenGrpc } from '../../../control-plane/dist/server.js';
import { defaultConfig } from '../../../control-plane/dist/config.js';
import { serve, wallNow, type Request } from './ipc.js';

type Call = grpc.ServerDuplexStream<unknown, ControlMessage>;
const calls = new Set<Call>();
let listener: net.Server | undefined;

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.op) {
    case 'start': {
      const server = new grpc.Server(GRPC_SERVER_OPTIONS);
      const unimplemented = (_c: unknown, cb: grpc.sendUnaryData<object>) =>
        cb({ code: grpc.status.UNIMPLEMENTED });
      server.addService(agentServiceDefinition(), {
        Connect: (call: Call) => {
          call.once('data', () => {
            calls.add(call);
            call.write({ welcome: { hostId: 'bare', reportIntervalMs: 5000, controlPlaneId: 'bare' } });
            call.write({ desired: { generation: 1, instances: [] } });
          });
          call.on('data', () => {});
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
      const t0 = wallNow();
      for (const c of calls) c.write(message);
      return { t0, applyMs: wallNow() - t0, streams: calls.size };
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
