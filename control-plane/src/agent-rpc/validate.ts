import net from 'node:net';
import {
  HOST_RE,
  ValidationError,
  checkPath,
  labelProblem,
  normalisePath,
  parseJsonInput,
  serviceKind,
  FAILURE_TAIL_BYTES,
  FAILURE_TAIL_LINES,
  type ErrorDetail,
  type MemberFailure,
} from '@hactl/shared';
import type {
  AgentMessage__Output,
  ExitFailure__Output,
  Hello__Output,
  StatusReport__Output,
} from '@hactl/proto';
import type { AgentHello, ExecUp, StatusUpdate } from '../reconcile/fleet.js';

const PROCESS_STATES = new Set(['running', 'stopped', 'crashed', 'starting']);
const MAX_PROBE_JSON = 64 * 1024;
const MAX_INSTANCES = 1000;

/**
 * Addresses no service can be reached at: unspecified (0.0.0.0, ::), the IPv4 broadcast address and
 * multicast (224.0.0.0/4, ff00::/8). A host's address is what its services bind and advertise.
 */
const NOT_UNICAST = new net.BlockList();
NOT_UNICAST.addAddress('0.0.0.0');
NOT_UNICAST.addAddress('255.255.255.255');
NOT_UNICAST.addSubnet('224.0.0.0', 4);
NOT_UNICAST.addAddress('::', 'ipv6');
NOT_UNICAST.addSubnet('ff00::', 8, 'ipv6');

/** How many capabilities of a hello are kept (Hello.capabilities), and the form of a name this control plane could know. */
const MAX_CAPABILITIES = 32;
const CAPABILITY_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Checks an agent's hello; everything from the wire is untrusted. */
export function parseHello(h: Hello__Output | null | undefined): AgentHello {
  if (!h)
    throw new ValidationError('the first message on a Connect stream must be a hello', [
      { path: 'hello', message: 'missing' },
    ]);
  const problems: ErrorDetail[] = [];
  if (!HOST_RE.test(h.name))
    problems.push({ path: 'hello.name', message: 'must be a hostname (letters, digits, ".", "-")' });
  if (net.isIP(h.address) === 0)
    problems.push({ path: 'hello.address', message: 'must be an IPv4 or IPv6 address' });
  else if (NOT_UNICAST.check(h.address, net.isIPv6(h.address) ? 'ipv6' : 'ipv4'))
    problems.push({
      path: 'hello.address',
      message: `${h.address} is not a unicast address; services bind and advertise the host's address, so it must be one clients can reach`,
    });
  // The root every default service dir is derived from: the same path rules as every spec path
  // (paths.ts), kept in normal form so derived dirs compare equal in the clash checks.
  const rawDataRoot = h.facts?.dataRoot ?? '';
  problems.push(...checkPath('hello.facts.dataRoot', rawDataRoot));
  const dataRoot = normalisePath(rawDataRoot);
  const labels = h.facts?.labels ?? {};
  for (const [k, v] of Object.entries(labels)) {
    const why = labelProblem(k, v);
    if (why) problems.push({ path: `hello.facts.labels.${k}`, message: why });
  }
  // A newer agent may list what this control plane has no name for: only the names it could know
  // are kept (the first MAX_CAPABILITIES of them), and an entry it cannot know never refuses a
  // hello, or the field would keep newer agents from connecting to older control planes.
  const capabilities = [...new Set((h.capabilities ?? []).filter((c) => CAPABILITY_RE.test(c)))].slice(
    0,
    MAX_CAPABILITIES,
  );
  if (problems.length) throw new ValidationError('invalid hello', problems);
  const f = h.facts;
  return {
    name: h.name,
    address: h.address,
    agentVersion: h.agentVersion.slice(0, 64),
    capabilities,
    dataRoot,
    labels,
    facts: f
      ? {
          hostname: f.hostname.slice(0, 255),
          os: f.os.slice(0, 255),
          kernel: f.kernel.slice(0, 255),
          cpus: f.cpus,
          memoryBytes: f.memoryBytes,
          java: f.javaVersion.slice(0, 255),
          node: f.nodeVersion.slice(0, 64),
        }
      : {},
  };
}

/**
 * Checks a status report. Probe JSON is parsed by the instance's own kind; a report that fails
 * keeps the process state but drops the probe, with the reason in `detail`.
 */
export function parseStatus(
  s: StatusReport__Output | null | undefined,
  kindOf: (instanceId: string) => string | undefined,
): StatusUpdate {
  if (!s) throw new ValidationError('empty status report', [{ path: 'status', message: 'missing' }]);
  if (s.instances.length > MAX_INSTANCES)
    throw new ValidationError('too many instances in one report', [
      { path: 'status.instances', message: `at most ${MAX_INSTANCES}` },
    ]);
  const instances: StatusUpdate['instances'] = [];
  for (const i of s.instances) {
    const kindName = kindOf(i.id);
    if (!kindName) continue;
    const kind = serviceKind(kindName);
    let probe: unknown;
    let detail = i.detail.slice(0, 1000);
    if (i.probeJson) {
      try {
        if (i.probeJson.length > MAX_PROBE_JSON)
          throw new Error(`probe report larger than ${MAX_PROBE_JSON} bytes`);
        probe = kind?.parseProbe(parseJsonInput(i.probeJson, 'probe report'));
      } catch (err) {
        probe = undefined;
        detail = `invalid probe report: ${err instanceof Error ? err.message.slice(0, 200) : 'unparseable'}`;
      }
    }
    let failure: MemberFailure | undefined;
    if (i.failure) {
      const f = parseFailure(i.failure, `status.instances[${instances.length}].failure`);
      if (f.ok) failure = f.failure;
      else
        detail = [
          detail,
          `invalid failure report: ${f.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
        ]
          .filter(Boolean)
          .join('; ')
          .slice(0, 1500);
    }
    instances.push({
      id: i.id,
      process: PROCESS_STATES.has(i.process)
        ? (i.process as StatusUpdate['instances'][number]['process'])
        : 'crashed',
      pid: i.pid,
      restarts: i.restarts,
      detail,
      restartPending: i.restartPending,
      logFiles: (i.logFiles ?? [])
        .slice(0, 8)
        .map((f) => f.slice(0, 500))
        .filter((f) => f.startsWith('/') && !/[\u0000-\u001f]/.test(f)),
      probeAt: probe === undefined ? 0 : Number(i.probeAtMs) || 0,
      probe,
      ...(failure ? { failure } : {}),
    });
  }
  // Probe times are the agent's clock; only their age at sending counts (Fleet.recordStatus). A report
  // without its send time is taken as sent when its newest probe was made.
  const sentAt = Number(s.sentAtMs) || Math.max(0, ...instances.map((i) => i.probeAt));
  return {
    appliedGeneration: Number(s.appliedGeneration) || 0,
    applyError: s.applyError.slice(0, 2000),
    instances,
    sentAt,
  };
}

/** Unix signal names as Node reports them (`SIGKILL`, `SIGRTMIN+3` does not occur for child exits). */
const SIGNAL_RE = /^SIG[A-Z0-9]{1,12}$/;

/**
 * Checks an instance's exit failure from the wire: an exit code 0-255 or a signal name (one of
 * the two), a time, an absolute log path without control characters, and at most
 * FAILURE_TAIL_LINES lines of at most FAILURE_TAIL_BYTES together (the agent's own bounds), none
 * holding a line break. Every problem is named under `path`. Pure.
 */
export function parseFailure(
  f: ExitFailure__Output,
  path: string,
): { ok: true; failure: MemberFailure } | { ok: false; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const code = f.hasExitCode ? f.exitCode : null;
  if (code !== null && (!Number.isInteger(code) || code < 0 || code > 255))
    problems.push({ path: `${path}.exitCode`, message: `${code} is not an exit code (0-255)` });
  const signal = f.signal === '' ? null : f.signal;
  if (signal !== null && !SIGNAL_RE.test(signal))
    problems.push({ path: `${path}.signal`, message: 'must be a signal name like SIGKILL' });
  if ((code === null) === (signal === null))
    problems.push({ path, message: 'must carry either an exit code or a signal' });
  const at = Number(f.exitedAtMs);
  if (!Number.isSafeInteger(at) || at <= 0)
    problems.push({ path: `${path}.exitedAtMs`, message: 'must be a positive time in ms' });
  if (
    f.logFile !== '' &&
    (!f.logFile.startsWith('/') || f.logFile.length > 500 || /[\u0000-\u001f]/.test(f.logFile))
  )
    problems.push({ path: `${path}.logFile`, message: 'must be an absolute path of at most 500 characters' });
  if (f.logTail.length > FAILURE_TAIL_LINES)
    problems.push({
      path: `${path}.logTail`,
      message: `has ${f.logTail.length} lines; at most ${FAILURE_TAIL_LINES}`,
    });
  const bytes = f.logTail.reduce((n, l, i) => n + Buffer.byteLength(l) + (i ? 1 : 0), 0);
  if (bytes > FAILURE_TAIL_BYTES)
    problems.push({ path: `${path}.logTail`, message: `has ${bytes} bytes; at most ${FAILURE_TAIL_BYTES}` });
  const broken = f.logTail.findIndex((l) => /[\r\n]/.test(l));
  if (broken >= 0)
    problems.push({ path: `${path}.logTail[${broken}]`, message: 'must not hold a line break' });
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    failure: {
      exitCode: code,
      signal,
      exitedAt: new Date(at).toISOString(),
      logFile: f.logFile,
      logTail: [...f.logTail],
    },
  };
}

/** Largest output payload accepted from an agent (the agent sends at most 32 KiB). */
const MAX_EXEC_CHUNK = 64 * 1024;

/**
 * Checks a streaming-command message from an agent (exec_output / exec_exit); untrusted like
 * every wire input. Which host may report for which command is the command service's check.
 * @throws ValidationError naming the bad field.
 */
export function parseExecUp(msg: AgentMessage__Output): ExecUp {
  const problems: ErrorDetail[] = [];
  const idOk = (id: string) => /^[A-Za-z0-9._-]{1,100}$/.test(id);
  if (msg.execOutput) {
    const o = msg.execOutput;
    if (!idOk(o.id)) problems.push({ path: 'exec_output.id', message: 'must be a command id' });
    if (o.stream !== 'stdout' && o.stream !== 'stderr')
      problems.push({ path: 'exec_output.stream', message: 'must be stdout or stderr' });
    if (o.data.length > MAX_EXEC_CHUNK)
      problems.push({ path: 'exec_output.data', message: `must be at most ${MAX_EXEC_CHUNK} bytes` });
    if (problems.length) throw new ValidationError('invalid exec output', problems);
    return { execOutput: { id: o.id, seq: o.seq, stream: o.stream as 'stdout' | 'stderr', data: o.data } };
  }
  const e = msg.execExit;
  if (!e || !idOk(e.id))
    throw new ValidationError('invalid exec exit', [
      { path: 'exec_exit.id', message: 'must be a command id' },
    ]);
  return {
    execExit: {
      id: e.id,
      hasExitCode: e.hasExitCode,
      exitCode: e.exitCode,
      signal: e.signal.slice(0, 20),
      timedOut: e.timedOut,
      capped: e.capped,
      cancelled: e.cancelled,
      error: e.error.slice(0, 2000),
      outputBytes: e.outputBytes,
      durationMs: e.durationMs,
    },
  };
}
