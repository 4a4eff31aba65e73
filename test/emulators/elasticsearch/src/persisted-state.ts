import fs from 'node:fs';
import path from 'node:path';
import type { ClusterState } from './cluster-state.js';

/**
 * What a node keeps in `path.data` across restarts (ES: `_state/node-N.st` for the node id and the
 * Lucene-backed PersistedClusterStateService for term + last-accepted metadata). The emulator writes
 * JSON files under `path.data/_state/`; transient settings and the routing table are not persisted,
 * as in ES.
 */
export interface PersistedCoordination {
  currentTerm: number;
  lastAccepted: ClusterState;
}

const stateDir = (dataPath: string): string => path.join(dataPath, '_state');

function writeAtomic(file: string, body: string): void {
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, body);
  fs.renameSync(tmp, file);
}

export function loadNodeId(dataPath: string): string | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(stateDir(dataPath), 'node.json'), 'utf8')) as { node_id?: string };
    return j.node_id;
  } catch {
    return undefined;
  }
}

export function writeNodeId(dataPath: string, nodeId: string): void {
  fs.mkdirSync(stateDir(dataPath), { recursive: true });
  writeAtomic(path.join(stateDir(dataPath), 'node.json'), JSON.stringify({ node_id: nodeId, emulator: true }) + '\n');
}

export function loadCoordination(dataPath: string): PersistedCoordination | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(stateDir(dataPath), 'coordination.json'), 'utf8')) as PersistedCoordination;
  } catch {
    return undefined;
  }
}

export function writeCoordination(dataPath: string, c: PersistedCoordination): void {
  const persisted: PersistedCoordination = {
    currentTerm: c.currentTerm,
    lastAccepted: {
      ...c.lastAccepted,
      routing: {},
      metadata: { ...c.lastAccepted.metadata, transientSettings: {} },
    },
  };
  fs.mkdirSync(stateDir(dataPath), { recursive: true });
  writeAtomic(path.join(stateDir(dataPath), 'coordination.json'), JSON.stringify(persisted));
}

/**
 * `node.lock`: ES refuses a second node on the same data path ("failed to obtain node locks").
 * The emulator records its pid and treats a lock held by a live other process as taken.
 */
export function acquireNodeLock(dataPath: string, pid: number, isAlive: (pid: number) => boolean): string | undefined {
  fs.mkdirSync(dataPath, { recursive: true });
  const lock = path.join(dataPath, 'node.lock');
  try {
    const holder = Number(fs.readFileSync(lock, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== pid && isAlive(holder)) {
      return `failed to obtain node locks, tried [${dataPath}]; maybe these locations are not writable or multiple nodes were started on the same data path?`;
    }
  } catch {
    // no lock file yet
  }
  fs.writeFileSync(lock, `${pid}\n`);
  return undefined;
}
