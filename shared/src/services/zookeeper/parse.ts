import { z } from 'zod';

export type ZkMode = 'leader' | 'follower' | 'observer' | 'standalone' | 'read-only';
const MODES: readonly string[] = ['leader', 'follower', 'observer', 'standalone', 'read-only'];

export const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests';

export interface SrvrReply {
  serving: boolean;
  mode?: ZkMode;
  version?: string;
  zxid?: string;
  nodeCount?: number;
}

/**
 * Parses a `srvr` reply (service-facts §1.3). A server without quorum answers one line,
 * "This ZooKeeper instance is not currently serving requests"; a non-whitelisted word answers
 * "... is not executed because it is not in the whitelist.".
 */
export function parseSrvr(text: string): SrvrReply {
  if (text.startsWith(NOT_SERVING)) return { serving: false };
  if (/is not executed because it is not in the whitelist/.test(text))
    throw new Error('srvr is not whitelisted');
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim();
  const mode = field('Mode');
  if (!mode || !MODES.includes(mode))
    throw new Error(`srvr reply has no valid Mode line: ${JSON.stringify(text.slice(0, 200))}`);
  const version = field('Zookeeper version');
  const zxid = field('Zxid');
  const nodeCount = field('Node count');
  return {
    serving: true,
    mode: mode as ZkMode,
    ...(version ? { version: version.split(',')[0]!.trim() } : {}),
    ...(zxid ? { zxid } : {}),
    ...(nodeCount && /^\d+$/.test(nodeCount) ? { nodeCount: Number(nodeCount) } : {}),
  };
}

/** Parses `mntr` (`zk_<key>\t<value>` lines; key order is not stable in 3.6+). */
export function parseMntr(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text.startsWith(NOT_SERVING)) return out;
  if (/is not executed because it is not in the whitelist/.test(text))
    throw new Error('mntr is not whitelisted');
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab <= 0) continue;
    out.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return out;
}

/** What the agent reports for one ZooKeeper member (the `probe_json` of its status). */
export const zookeeperProbeSchema = z
  .object({
    ok: z.boolean(),
    serving: z.boolean(),
    mode: z.enum(['leader', 'follower', 'observer', 'standalone', 'read-only', 'unknown']),
    version: z.string().max(200).optional(),
    zxid: z.string().max(40).optional(),
    /** Leader only. 3.6+ has no zk_followers; zk_learners replaced it (service-facts §0.1). */
    syncedFollowers: z.number().int().min(0).optional(),
    learners: z.number().int().min(0).optional(),
    quorumSize: z.number().int().min(0).optional(),
    error: z.string().max(1000).optional(),
  })
  .strict();

export type ZookeeperProbe = z.infer<typeof zookeeperProbeSchema>;

/** Builds the probe result from raw `srvr` and `mntr` replies. */
export function checkZookeeperProbe(srvrText: string, mntrText: string | undefined): ZookeeperProbe {
  const srvr = parseSrvr(srvrText);
  if (!srvr.serving) return { ok: true, serving: false, mode: 'unknown', error: NOT_SERVING };
  const probe: ZookeeperProbe = {
    ok: true,
    serving: true,
    mode: srvr.mode ?? 'unknown',
    ...(srvr.version ? { version: srvr.version } : {}),
    ...(srvr.zxid ? { zxid: srvr.zxid } : {}),
  };
  if (mntrText !== undefined) {
    const m = parseMntr(mntrText);
    const int = (k: string) => {
      const v = m.get(k);
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
    };
    const synced = int('zk_synced_followers');
    const learners = int('zk_learners') ?? int('zk_followers');
    const quorum = int('zk_quorum_size');
    if (synced !== undefined) probe.syncedFollowers = synced;
    if (learners !== undefined) probe.learners = learners;
    if (quorum !== undefined) probe.quorumSize = quorum;
  }
  return probe;
}
