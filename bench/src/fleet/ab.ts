/**
 * Two builds of hactl timed in one process (an A/B), for rollup-ab.js and for cluster-count.js and
 * apply-cost.js with `--base`: which checkouts, loading each one's control-plane from its own dist,
 * the order in which they take turns, a temp store per build, and the ratio reported.
 *
 * Why one process: on the machine this was written on, the same bench run twice a few minutes apart
 * differed by up to 2x (the VM's speed moves), far more than the changes being judged. Rounds of
 * both builds side by side, taking turns at going first, share whatever speed the machine has then,
 * so the ratio of their times is steady where two runs' figures are not.
 *
 * What the builds share: this bench's own code (the fleet it builds, the reports it sends: plain
 * data, made afresh for each build) but for the timed calls (core-calls.ts, one instance per
 * build), the third-party packages under node_modules, and the heap.
 * What they do not: each build's control-plane, shared and proto modules are its own, imported by
 * file URL from its checkout, and each gets its own store and core; nothing of one build's is
 * handed to the other. Because the heap is shared, so is GC: a pause within one build's call
 * collects garbage of both, and cannot be told apart per build.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as TestCoreModule from '../../../control-plane/dist/test-core.js';
import type * as SqliteStoreModule from '../../../control-plane/dist/store/sqlite-store.js';
import type * as CoreCalls from './core-calls.js';
import { cleanUpOnInterrupt } from '../interrupt.js';
import { median, ms, ratioInterval } from './stats.js';

/** This checkout's root (this file is bench/dist/fleet/ab.js once built). */
const THIS_CHECKOUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The `--base` and `--new` flags, for parseBenchArgs. */
export const AB_OPTIONS = { base: { type: 'string' }, new: { type: 'string' } } as const;

/**
 * USAGE lines of the two flags where `--base` is optional (without it, one build: this one), their
 * descriptions starting at `column` (0-based) as the bench's other flags' do.
 */
export function abUsage(column: number): string {
  const flag = (name: string, first: string, ...more: string[]) =>
    [`  ${name}`.padEnd(column) + first, ...more.map((line) => ' '.repeat(column) + line)].join('\n');
  return [
    flag(
      '--base DIR',
      'A/B: also time DIR, a built hactl checkout (pnpm build run in',
      'it), in this process, the builds taking turns; the table then',
      "gives both builds' figures and their ratio new / base",
    ),
    flag('--new DIR', 'with --base: the build under test (default: this checkout)'),
  ].join('\n');
}

/** A checkout to time and how its rows are labelled (`base`, `new`; `this` without --base). */
export interface Checkout {
  label: string;
  root: string;
}

/**
 * One build's control-plane entry points, each imported from that build's own dist, and the
 * bench's timed calls of its core through call sites of its own (core-calls.ts says why).
 */
export interface Build extends Checkout {
  createTestCore: typeof TestCoreModule.createTestCore;
  SqliteStore: typeof SqliteStoreModule.SqliteStore;
  TEST_NOW: number;
  calls: typeof CoreCalls;
}

function refuse(problem: string, usage: string): never {
  console.error(`${problem}\n\n${usage}`);
  process.exit(2);
}

/**
 * `dir` as a built checkout's root, its real path; otherwise says which flag and why (missing, not
 * built, or its control-plane's workspace packages resolving outside it), then exits 2. The last
 * happens when a checkout's package node_modules are symlinks to another checkout's: pnpm links
 * `@hactl/shared` as `../../../shared`, and Node follows the symlinked directory to the other
 * checkout's shared, so that build would plan with the other one's code.
 */
function builtCheckout(flag: string, dir: string | undefined, usage: string): string {
  if (dir === undefined) refuse(`${flag} is required`, usage);
  const root = path.resolve(dir);
  if (!fs.existsSync(path.join(root, 'control-plane/dist/test-core.js')))
    refuse(`${flag}: ${root} has no control-plane/dist/test-core.js (run pnpm build in it)`, usage);
  const real = fs.realpathSync(root);
  const scope = path.join(real, 'control-plane/node_modules/@hactl');
  for (const name of fs.existsSync(scope) ? fs.readdirSync(scope) : []) {
    const to = fs.realpathSync(path.join(scope, name));
    if (path.relative(real, to).startsWith('..'))
      refuse(
        `${flag}: ${root}'s control-plane resolves @hactl/${name} to ${to}, outside it, so it would ` +
          `run another checkout's code; give it node_modules of its own (pnpm install, or ` +
          `cp -a each package's node_modules so that their relative links stay inside)`,
        usage,
      );
  }
  return real;
}

/**
 * The checkouts a bench times: without `--base`, this one alone (`--new` is then refused, exit 2);
 * with it, `base` and then `new` (`--new`, default this checkout), each checked by builtCheckout.
 * `baseRequired` (rollup-ab) refuses a missing `--base`.
 */
export function checkoutsToTime(
  args: { base?: string; new?: string },
  usage: string,
  baseRequired = false,
): Checkout[] {
  if (args.base === undefined && !baseRequired) {
    if (args.new !== undefined) refuse('--new is only taken with --base', usage);
    return [{ label: 'this', root: THIS_CHECKOUT }];
  }
  return [
    { label: 'base', root: builtCheckout('--base', args.base, usage) },
    { label: 'new', root: builtCheckout('--new', args.new ?? THIS_CHECKOUT, usage) },
  ];
}

/**
 * Imports each checkout's control-plane test core and SQLite store from its own dist, by file URL,
 * in order, and an instance of core-calls.js of its own (`?build=<label>`). Two checkouts at one
 * path share one set of control-plane modules (Node loads a URL once).
 */
export async function loadBuilds(checkouts: readonly Checkout[]): Promise<Build[]> {
  const builds: Build[] = [];
  for (const c of checkouts) {
    const url = (rel: string) => pathToFileURL(path.join(c.root, rel)).href;
    const testCore = (await import(url('control-plane/dist/test-core.js'))) as typeof TestCoreModule;
    const sqlite = (await import(
      url('control-plane/dist/store/sqlite-store.js')
    )) as typeof SqliteStoreModule;
    const calls = (await import(
      new URL(`./core-calls.js?build=${c.label}`, import.meta.url).href
    )) as typeof CoreCalls;
    builds.push({
      ...c,
      createTestCore: testCore.createTestCore,
      SqliteStore: sqlite.SqliteStore,
      TEST_NOW: testCore.TEST_NOW,
      calls,
    });
  }
  return builds;
}

/**
 * The order in which `n` builds (or paths) take their turn in round `round`: rotated by one each
 * round, so each goes first equally often and whatever the one before leaves behind (garbage, a
 * cold cache) and the machine's speed drift fall on all of them alike.
 */
export function turnOrder(round: number, n: number): number[] {
  return Array.from({ length: n }, (_, k) => (round + k) % n);
}

/**
 * A side (a build's core on its store) for each build, in build order, opened in turn order of
 * round `round` (a bench passes its size's index: at the next size the other goes first). If one
 * fails, those already opened are closed and the error rethrown. Then the event loop turns, so
 * that what the cores queued while `open` set up a fleet (connectAgent queues the rollout
 * engine's onAgentConnected as a microtask) runs now, not inside the first timed call, nor after
 * a side is closed.
 */
export async function openSides<S extends { close(): void }>(
  builds: readonly Build[],
  round: number,
  open: (build: Build) => S,
): Promise<S[]> {
  const sides: S[] = [];
  try {
    for (const i of turnOrder(round, builds.length)) sides[i] = open(builds[i]!);
  } catch (err) {
    sides.forEach((s) => s.close());
    throw err;
  }
  await new Promise((r) => setImmediate(r));
  return sides;
}

/** Temp dirs of open stores: removed by their close(), or all on Ctrl-C / SIGTERM. */
const openDirs = new Set<string>();
let cleanUpRegistered = false;

/**
 * `build`'s own SqliteStore on `state.db` in a fresh temp dir `<tmp>/<prefix>…`, with `options`.
 * `close()` closes the store and removes the dir; an interrupt removes every open one.
 */
export function openTempStore(
  build: Build,
  prefix: string,
  options?: ConstructorParameters<Build['SqliteStore']>[1],
): { store: InstanceType<Build['SqliteStore']>; close(): void } {
  if (!cleanUpRegistered) {
    cleanUpRegistered = true;
    cleanUpOnInterrupt(() => openDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  openDirs.add(dir);
  const store = new build.SqliteStore(path.join(dir, 'state.db'), options);
  return {
    store,
    close() {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
      openDirs.delete(dir);
    },
  };
}

/**
 * One call's rounds on both builds (ms; `base[i]` and `next[i]` are round i's, taken in turn), as
 * table cells: base's median and new's, each through `format` (default: stats.ts ms), the ratio of
 * the medians new / base (`0.98x`), and its 90% bootstrap interval over paired rounds
 * (ratioInterval; `0.95-1.01`, `-` below 5 rounds). Why the ratio of medians, not the median of
 * each round's ratio: a call's time is often bimodal (the rounds in which a GC or the push lands
 * in it), and a round's two calls rarely land in the same mode. In A/As of cluster-count, the
 * median of the PUT's ratios at 1000 ensembles (over pairs of rounds, one with each build first)
 * came out 0.74-0.84 in five runs of six, where the ratio of the medians was 0.95-1.11. Throws
 * RangeError when the round counts differ.
 */
export function abCells(
  base: readonly number[],
  next: readonly number[],
  format: (ms: number) => string = ms,
): string[] {
  const interval = ratioInterval(next, base);
  return [
    format(median(base)),
    format(median(next)),
    `${(median(next) / median(base)).toFixed(2)}x`,
    interval ? `${interval.low.toFixed(2)}-${interval.high.toFixed(2)}` : '-',
  ];
}

/** The A/B table's columns that abCells fills, in its order. */
export const AB_COLUMNS = ['base', 'new', 'new/base', '90% interval'];

/** What an A/B table's caption says of its builds, its ratio and its GC. */
export function abCaption(builds: readonly Checkout[]): string {
  const [base, next] = builds;
  const same =
    base?.root === next?.root
      ? ' (one checkout: both sides run the same modules, an A/A of the harness)'
      : '';
  return (
    `base ${base?.root}, new ${next?.root}${same}; both in this process, taking turns at going first ` +
    `each round; new/base is the ratio of the medians, with its 90% bootstrap interval over paired ` +
    `rounds. No GC column: the builds share one heap, so a pause within one build's call also collects the ` +
    `other's garbage`
  );
}
