import { z } from 'zod';

const shortString = z.string().max(300);
const error = z.string().max(1000).optional();

/**
 * Nimbus: its Thrift port answers a TCP connect, and ZooKeeper says whether it registered under
 * `/nimbuses` and who holds the leader latch (`/leader-lock`, lowest sequence; data `host:port`,
 * service-facts §3.2-3.3).
 */
export const nimbusProbeSchema = z
  .object({
    role: z.literal('nimbus'),
    ok: z.boolean(),
    listening: z.boolean(),
    /** `/nimbuses/<host>` (2.x) or `/nimbuses/<host:port>` (1.x) exists for this nimbus. */
    registered: z.boolean(),
    /** Latch participant id of the leader (`host:port`, or `host:port:tlsPort` with STORM-4070). */
    leader: shortString.optional(),
    /** The leader latch names this nimbus. */
    isLeader: z.boolean(),
    /** Latch participants in queue order. */
    queue: z.array(shortString).max(100).optional(),
    /**
     * Each active topology (`/storms`) with the nimbus hosts ZooKeeper records as holding all of its
     * code blobs (`/blobstore/<key>`); a nimbus without them will not lead (service-facts §3.5).
     */
    blobs: z
      .array(z.object({ topology: shortString, holders: z.array(shortString).max(16) }).strict())
      .max(100)
      .optional(),
    error,
  })
  .strict();

/** Supervisor: its `/supervisors/<id>` znode with `SupervisorInfo.hostname` = this host. */
export const supervisorProbeSchema = z
  .object({
    role: z.literal('supervisor'),
    ok: z.boolean(),
    listening: z.boolean(),
    registered: z.boolean(),
    supervisorId: shortString.optional(),
    /** `SupervisorInfo.meta`: the slot ports it offers. */
    slots: z.array(z.number().int().min(0).max(65535)).max(1000).optional(),
    /** Seconds since `SupervisorInfo.time_secs` (the last heartbeat write). */
    heartbeatAgeSecs: z.number().int().optional(),
    /**
     * The nimbus seeds as this host sees them: whether each one's Thrift port accepts a TCP
     * connection. The failover engine's peer witnesses (architecture §5 Detect).
     */
    seeds: z
      .array(z.object({ address: z.string().regex(/^[0-9a-fA-F.:]+$/), reachable: z.boolean() }).strict())
      .max(16)
      .optional(),
    error,
  })
  .strict();

export const uiNimbusSchema = z
  .object({
    host: shortString,
    port: z.union([z.number().int(), shortString]),
    /** The docs say `Dead`; the code says `Offline` (service-facts §0.11). */
    status: z.enum(['Leader', 'Not a Leader', 'Offline']),
  })
  .strict();

/** UI: `/api/v1/nimbus/summary`, `/api/v1/cluster/summary`, `/api/v1/supervisor/summary` (service-facts §3.4). */
export const uiProbeSchema = z
  .object({
    role: z.literal('ui'),
    ok: z.boolean(),
    /** All three endpoints answered 200 with the expected JSON (every call goes through the leader). */
    serving: z.boolean(),
    nimbuses: z.array(uiNimbusSchema).max(100).optional(),
    supervisors: z.number().int().min(0).optional(),
    supervisorHosts: z.array(shortString).max(1000).optional(),
    slotsTotal: z.number().int().min(0).optional(),
    slotsUsed: z.number().int().min(0).optional(),
    topologies: z.number().int().min(0).optional(),
    version: shortString.optional(),
    error,
  })
  .strict();

/** What the agent reports for one Storm daemon (the `probe_json` of its status). */
export const stormProbeSchema = z.discriminatedUnion('role', [
  nimbusProbeSchema,
  supervisorProbeSchema,
  uiProbeSchema,
]);

export type NimbusProbe = z.infer<typeof nimbusProbeSchema>;
export type SupervisorProbe = z.infer<typeof supervisorProbeSchema>;
export type UiProbe = z.infer<typeof uiProbeSchema>;
export type UiNimbus = z.infer<typeof uiNimbusSchema>;
export type StormProbe = z.infer<typeof stormProbeSchema>;

export function parseStormProbe(raw: unknown): StormProbe {
  return stormProbeSchema.parse(raw);
}

/** Latch participant id `host:port[:tlsPort]` → host (Storm writes IPv4 addresses or host names here). */
export function latchHost(id: string): string {
  return id.split(':')[0] ?? id;
}
