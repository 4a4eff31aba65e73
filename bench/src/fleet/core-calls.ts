/**
 * The core calls the in-process benches time, each one line. In an A/B (ab.ts) this module is
 * imported once per build, under a URL of its own (`core-calls.js?build=base`), so that each build's
 * calls go through call sites of their own: V8 keeps type feedback per call site, and where both
 * builds were called from one site, the build that went first in the first round kept an edge all
 * run long (an A/A of cluster-count at 1000 ensembles, 2026-12-05: the second build's repeated
 * listing took 1.16-1.19x the first's in four runs of six; through a site per build, 0.95-1.02x
 * in five of six). Hence no imports here but types: an import would be one module shared by both.
 */
import type { Core } from '../../../control-plane/dist/core.js';

type Fleet = Core['fleet'];

/** `Fleet.listClusters`: every cluster's status roll-up. */
export const listClusters = (core: Core): ReturnType<Fleet['listClusters']> => core.fleet.listClusters();

/** `Fleet.clusterStatus` of cluster `name`. */
export const clusterStatus = (core: Core, name: string): ReturnType<Fleet['clusterStatus']> =>
  core.fleet.clusterStatus(name);

/** `Fleet.applyCluster`: fleet-push's default change. */
export const applyCluster = (core: Core, ...args: Parameters<Fleet['applyCluster']>): void => {
  core.fleet.applyCluster(...args);
};

/** `Changes.apply`: an operator's `PUT /v1/clusters/NAME`. */
export const applyChanges = (
  core: Core,
  ...args: Parameters<Core['changes']['apply']>
): ReturnType<Core['changes']['apply']> => core.changes.apply(...args);

/**
 * Wraps the core's rollout engine's `tick` (one pass of the engine) so that each pass's duration
 * (ms, performance.now()) goes to `onPass`, from now on.
 */
export function timeRolloutPasses(core: Core, onPass: (ms: number) => void): void {
  const tick = core.rollouts.tick.bind(core.rollouts);
  core.rollouts.tick = () => {
    const t = performance.now();
    tick();
    onPass(performance.now() - t);
  };
}
