/**
 * Storm UI REST bodies → the UI probe fields (service-facts §3.4). Pure. Only the keys hactl uses
 * are read; other keys (which vary between releases) are ignored. Types are checked as the 2.x
 * code emits them: `port` is an int for live nimbuses and a string for `Offline` seeds.
 */

export interface UiNimbusEntry {
  host: string;
  port: number | string;
  status: 'Leader' | 'Not a Leader' | 'Offline';
}

export interface UiSummary {
  nimbuses: UiNimbusEntry[];
  supervisors: number;
  supervisorHosts: string[];
  slotsTotal: number;
  slotsUsed: number;
  topologies: number;
  version?: string;
}

const STATUSES = new Set(['Leader', 'Not a Leader', 'Offline']);

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error(`${what}: expected a JSON object`);
  return v as Record<string, unknown>;
}
function int(o: Record<string, unknown>, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new Error(`${what}: ${key} is not a non-negative integer`);
  return v;
}
function arr(o: Record<string, unknown>, key: string, what: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) throw new Error(`${what}: ${key} is not a list`);
  return v;
}

/** `GET /api/v1/nimbus/summary` */
export function parseNimbusSummary(body: unknown): UiNimbusEntry[] {
  const what = 'nimbus/summary';
  return arr(obj(body, what), 'nimbuses', what).map((n, i) => {
    const o = obj(n, `${what} nimbuses[${i}]`);
    if (typeof o.host !== 'string') throw new Error(`${what} nimbuses[${i}]: host is not a string`);
    if (typeof o.status !== 'string' || !STATUSES.has(o.status))
      throw new Error(`${what} nimbuses[${i}]: unknown status ${JSON.stringify(o.status)}`);
    if (typeof o.port !== 'number' && typeof o.port !== 'string')
      throw new Error(`${what} nimbuses[${i}]: port is neither a number nor a string`);
    return { host: o.host, port: o.port, status: o.status as UiNimbusEntry['status'] };
  });
}

/** `GET /api/v1/cluster/summary` */
export function parseClusterSummary(
  body: unknown,
): Pick<UiSummary, 'supervisors' | 'slotsTotal' | 'slotsUsed' | 'topologies' | 'version'> {
  const what = 'cluster/summary';
  const o = obj(body, what);
  return {
    supervisors: int(o, 'supervisors', what),
    slotsTotal: int(o, 'slotsTotal', what),
    slotsUsed: int(o, 'slotsUsed', what),
    topologies: int(o, 'topologies', what),
    ...(typeof o.stormVersion === 'string' ? { version: o.stormVersion.slice(0, 100) } : {}),
  };
}

/** `GET /api/v1/supervisor/summary` → the hosts of the registered supervisors. */
export function parseSupervisorSummary(body: unknown): string[] {
  const what = 'supervisor/summary';
  return arr(obj(body, what), 'supervisors', what).map((s, i) => {
    const o = obj(s, `${what} supervisors[${i}]`);
    if (typeof o.host !== 'string') throw new Error(`${what} supervisors[${i}]: host is not a string`);
    return o.host;
  });
}

/** The UI's 500 body: `{"error":"500 Server Error","errorMessage":"<java stack trace>"}`; first line only. */
export function uiErrorMessage(status: number, body: unknown): string {
  const o = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const msg = typeof o.errorMessage === 'string' ? o.errorMessage.split('\n')[0]!.trim() : '';
  return `HTTP ${status}${msg ? `: ${msg}` : ''}`.slice(0, 500);
}
