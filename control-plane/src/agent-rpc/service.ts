import * as grpc from '@grpc/grpc-js';
import { HactlError, inputsJson, type HostDesiredState, type Logger } from '@hactl/shared';
import {
  desiredToWire,
  type AgentMessage__Output,
  type AgentServiceHandlers,
  type ControlMessage,
} from '@hactl/proto';
import type { AgentSession, Fleet } from '../reconcile/fleet.js';
import type { LeaseManager } from '../leases/leases.js';
import { parseExecUp, parseHello, parseStatus } from './validate.js';
import { ERROR_STATUS } from '../errors.js';
import type { PeerCert, TrustService } from '../trust/service.js';
import { callerCert, callerPeer } from '../replica/relay.js';

/**
 * The client certificate of a call, when TLS verified it against our CA — on this replica's
 * handshake, or on the follower replica's that relayed the call (replica/relay.ts).
 */
function peerOf(
  call: { getAuthContext(): { sslPeerCertificate?: { raw: Buffer } }; metadata: grpc.Metadata },
  relaySecret: string | undefined,
): PeerCert | undefined {
  const raw = callerCert(call, relaySecret);
  return raw ? { raw } : undefined;
}

/**
 * The host a call's certificate speaks for, checked against the name the call claims.
 * @throws HactlError unauthenticated (no valid, unrevoked certificate), permission_denied (another host's).
 */
export function checkCaller(trust: TrustService, peer: PeerCert | undefined, claimed: string): void {
  const who = trust.peerIdentity(peer);
  if (!who)
    throw new HactlError(
      'unauthenticated',
      "a client certificate signed by this control plane's CA, for an enrolled host, is required: enroll the agent with --token (a deleted host's certificate is revoked)",
    );
  if (who.name !== claimed)
    throw new HactlError('permission_denied', `the certificate is for host ${who.name}, not ${claimed}`);
}

/** Maps hactl errors to gRPC status codes (the gRPC half of the one-mapping-per-transport rule). */
export function grpcStatusFor(err: unknown): { code: grpc.status; details: string } {
  if (err instanceof HactlError) {
    const details = err.details.length
      ? `${err.message}: ${err.details.map((d) => `${d.path}: ${d.message}`).join('; ')}`
      : err.message;
    const code = ERROR_STATUS[err.code].grpc;
    return { code, details };
  }
  return { code: grpc.status.INTERNAL, details: 'internal error' };
}

/**
 * The wire message for a host's stored desired state (`host_desired.state_json`, a
 * HostDesiredState), encoded by the proto edge's one encoder. `state` is the object `stateJson`
 * was made from, when the control plane has just planned it: then nothing is parsed, and each
 * instance's inputs text is the one made when the state was stored (inputsJson), so a change
 * that touches every host sends without parsing and re-stringifying every host's state.
 */
export function toWireDesired(
  generation: number,
  stateJson: string,
  state?: HostDesiredState,
): ControlMessage {
  if (state) return { desired: desiredToWire(generation, state.instances, inputsJson) };
  const stored = JSON.parse(stateJson) as HostDesiredState;
  return { desired: desiredToWire(generation, stored.instances) };
}

export interface AgentServiceDeps {
  fleet: Fleet;
  leases: LeaseManager;
  logger: Logger;
  /**
   * A stream that has not sent its hello within this long is ended with DEADLINE_EXCEEDED: without
   * a deadline, a client that opens streams and says nothing held each one forever (issue 16 #8).
   */
  helloTimeoutMs: number;
  /**
   * With TLS: enrollment, and every Connect and lease call must come from the enrolled host it
   * names. Undefined under --insecure (loopback development: no certificates).
   */
  trust: TrustService | undefined;
  /**
   * The replicas' shared secret (several replicas on one store): a call carrying it was relayed by
   * a follower replica, and the agent certificate it names is the one to check. Undefined for a
   * lone control plane, which accepts no relayed identity.
   */
  relaySecret?: string;
  /**
   * Whether this control plane may grant restart leases now: false on a replica that may have
   * lost the leader lease (replica/leadership.ts), whose grants another leader would not know of.
   * Always true when absent.
   */
  mayGrant?: () => boolean;
}

export function createAgentServiceHandlers(deps: AgentServiceDeps): AgentServiceHandlers {
  const { fleet, leases, logger } = deps;
  return {
    Connect(call) {
      let hostId: string | undefined;
      let ended = false;
      const session: AgentSession = {
        peer: callerPeer(call, deps.relaySecret),
        sendDesired(generation, stateJson, state) {
          if (!ended) call.write(toWireDesired(generation, stateJson, state));
        },
        sendCommand(cmd) {
          if (!ended) call.write({ command: cmd });
        },
        sendExec(msg) {
          if (!ended) call.write(msg);
        },
        close(reason) {
          if (ended) return;
          ended = true;
          logger.info({ host: hostId, reason }, 'closing agent stream');
          call.end();
        },
      };
      const fail = (err: unknown) => {
        const st = grpcStatusFor(err);
        if (!(err instanceof HactlError))
          logger.error({ host: hostId, err: String(err) }, 'agent stream handler failed');
        else logger.warn({ host: hostId, code: err.code, details: st.details }, 'rejected agent message');
        if (!ended) {
          ended = true;
          // grpc-js turns an 'error' emitted on a server stream into the call's final status.
          call.emit('error', { code: st.code, details: st.details, metadata: new grpc.Metadata() });
        }
        if (hostId) fleet.disconnectAgent(hostId, session);
      };
      // Judged only after the I/O that was already waiting has been read: timers run before the
      // poll phase, so on a control plane busy with thousands of hellos the deadline could fire in
      // the same loop turn as a hello that had arrived in time and is next in line. setImmediate
      // runs after that poll phase, so such a hello is handled first and the stream is kept.
      const helloTimer = setTimeout(() => {
        setImmediate(() => {
          if (!hostId && !ended)
            fail(
              new HactlError(
                'deadline_exceeded',
                `no hello within ${deps.helloTimeoutMs} ms of opening the stream`,
              ),
            );
        });
      }, deps.helloTimeoutMs);
      helloTimer.unref();
      call.on('data', (msg: AgentMessage__Output) => {
        try {
          if (ended) return;
          if (!hostId) {
            if (msg.body !== 'hello')
              throw new HactlError(
                'invalid_argument',
                'the first message on a Connect stream must be a hello',
              );
            const hello = parseHello(msg.hello);
            if (deps.trust) checkCaller(deps.trust, peerOf(call, deps.relaySecret), hello.name);
            clearTimeout(helloTimer);
            const reg = fleet.connectAgent(hello, session);
            hostId = reg.hostId;
            call.write({
              welcome: {
                hostId: reg.hostId,
                reportIntervalMs: fleet.reportIntervalMs,
                controlPlaneId: fleet.controlPlaneId,
              },
            });
            call.write(toWireDesired(reg.generation, reg.stateJson, reg.state));
            if (msg.hello?.status)
              fleet.recordStatus(
                reg.hostId,
                parseStatus(msg.hello.status, (id) => fleet.kindOfInstance(reg.hostId, id)),
              );
            return;
          }
          const h = hostId;
          if (msg.body === 'status')
            fleet.recordStatus(
              h,
              parseStatus(msg.status, (id) => fleet.kindOfInstance(h, id)),
            );
          else if (msg.body === 'commandResult' && msg.commandResult) {
            const r = msg.commandResult;
            // 64 KiB: enough for a log tail (`hactl logs`); restart results are a line.
            fleet.recordCommandResult(h, {
              id: r.id.slice(0, 200),
              ok: r.ok,
              output: r.output.slice(0, 64 * 1024),
              error: r.error.slice(0, 4000),
            });
          } else if (msg.body === 'execOutput' || msg.body === 'execExit') {
            fleet.onExecMessage(h, parseExecUp(msg));
          } else if (msg.body === 'hello')
            throw new HactlError('invalid_argument', 'hello may only be sent once per stream');
        } catch (err) {
          fail(err);
        }
      });
      call.on('end', () => {
        clearTimeout(helloTimer);
        if (hostId) fleet.disconnectAgent(hostId, session);
        if (!ended) {
          ended = true;
          call.end();
        }
      });
      call.on('error', (err) => {
        clearTimeout(helloTimer);
        logger.debug({ host: hostId, err: err.message }, 'agent stream error');
        if (hostId) fleet.disconnectAgent(hostId, session);
        ended = true;
      });
      call.on('cancelled', () => {
        clearTimeout(helloTimer);
        if (hostId) fleet.disconnectAgent(hostId, session);
        ended = true;
      });
    },
    Enroll(call, callback) {
      const trust = deps.trust;
      if (!trust) {
        callback(
          grpcStatusFor(
            new HactlError(
              'conflict',
              'this control plane runs with --insecure (loopback development): there is nothing to enroll',
            ),
          ),
        );
        return;
      }
      const { token, name } = call.request;
      const csrPem = Buffer.from(call.request.csrPem).toString('utf8');
      trust.enroll({ token, csrPem, name, peer: peerOf(call, deps.relaySecret) }).then(
        (r) => {
          logger.info({ host: name, renewal: !token }, 'agent certificate issued');
          callback(null, { certificatePem: Buffer.from(r.certPem), caPem: Buffer.from(r.caPem) });
        },
        (err: unknown) => {
          const st = grpcStatusFor(err);
          logger.warn({ host: name.slice(0, 255), details: st.details }, 'enrollment refused');
          callback({ code: st.code, details: st.details });
        },
      );
    },
    AcquireLease(call, callback) {
      const { host, instanceId, reason } = call.request;
      if (!host || !instanceId || host.length > 255 || instanceId.length > 255) {
        callback(grpcStatusFor(new HactlError('invalid_argument', 'host and instance_id are required')));
        return;
      }
      const failed = (err: unknown) => {
        const st = grpcStatusFor(err);
        logger.error({ host, instance: instanceId, err: String(err) }, 'lease request failed');
        callback({ code: st.code, details: st.details });
      };
      try {
        if (deps.trust) checkCaller(deps.trust, peerOf(call, deps.relaySecret), host);
      } catch (err) {
        failed(err);
        return;
      }
      // Asked before each decision: a refusal may wait for fresh peer views (leases.ts acquireFresh).
      const leading = () => {
        if (deps.mayGrant && !deps.mayGrant())
          throw new HactlError(
            'unavailable',
            'this control-plane replica is not sure it still leads; ask again (another replica may lead now)',
            { retriable: true },
          );
      };
      leases.acquireFresh(host, instanceId, reason.slice(0, 500), leading).then(
        (d) =>
          callback(null, {
            granted: d.granted,
            leaseId: d.leaseId,
            expiresAtMs: d.expiresAtMs,
            reason: d.reason,
            retryAfterMs: d.retryAfterMs,
            // What the holder renews within (agent sync/lease-restart.ts); 0 with a refusal.
            ttlMs: d.granted ? leases.ttlMs : 0,
          }),
        failed,
      );
    },
    ReleaseLease(call, callback) {
      if (deps.trust && !deps.trust.peerIdentity(peerOf(call, deps.relaySecret))) {
        callback(
          grpcStatusFor(new HactlError('unauthenticated', 'an enrolled client certificate is required')),
        );
        return;
      }
      leases.release(call.request.leaseId);
      callback(null, {});
    },
  };
}
