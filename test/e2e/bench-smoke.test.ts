/**
 * The fleet benchmarks still run and still print their tables: fleet-push's operator path (a real
 * control plane taking PUTs over HTTP, simulated agents in another process, the bare grpc-js
 * floor beside it), apply-cost's three paths in one process, rollup-ab's two builds (this
 * checkout against itself) and cluster-count's fleets of small ensembles, and apply-cost's and
 * cluster-count's A/B of this checkout against itself, each at a size that takes seconds. Their
 * figures are not judged here (unit tests never assert timings); a benchmark that no longer
 * starts, hangs or prints a malformed row is.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** The table rows whose first cell is `first`, in print order (cells split on ` | `, trimmed). */
function rows(stdout: string, first: string): string[][] {
  return stdout
    .split('\n')
    .map((line) => line.split(' | ').map((cell) => cell.trim()))
    .filter((cells) => cells[0] === first && cells.length > 2);
}

const NUMBER = /^[0-9]+(\.[0-9]+)?$/;

/** fleet-push at 20 agents, one measured round, short report and REST phases, plus `flags`; its stdout. */
async function fleetPush(...flags: string[]): Promise<string> {
  const common = ['--agents', '20', '--reps', '1', '--warmup', '0', '--report-interval-ms', '200'];
  const { stdout } = await run(
    process.execPath,
    [path.join(REPO, 'bench/dist/fleet-push.js'), ...common, ...flags],
    { cwd: REPO, timeout: 100_000 },
  );
  return stdout;
}

describe('benchmarks at a small size', { timeout: 120_000 }, () => {
  it('fleet-push --change put: 20 simulated agents, one PUT that starts a rollout, its fan-out against the bare floor', async () => {
    const stdout = await fleetPush('--rest-requests', '3', '--change', 'put');
    expect(stdout).toContain('change: PUT /v1/clusters/storm-bench over REST');
    const lines = stdout.split('\n');
    // Two tables, each with a row for the size: the fan-out, then the reports and REST reads.
    const [fanOut, reports] = rows(stdout, '20');
    expect(reports, 'a reports row after the fan-out row').toBeDefined();
    expect(fanOut!.slice(0, 2)).toEqual(['20', 'sqlite']);
    const header = lines.find((l) => l.startsWith('agents | store  | hactl fan-out ms'))!.split(' | ');
    const cell = (name: string) => fanOut![header.findIndex((h) => h.trim() === name)]!;
    for (const name of ['hactl fan-out ms', 'bare grpc-js ms', 'apply (sync) ms'])
      expect(cell(name), name).toMatch(NUMBER);
    expect(cell('ratio of medians')).toMatch(/^[0-9]+\.[0-9]{2}x$/);
    // One round is too few for an interval, so the verdict against 1.5x is left open.
    expect(cell('90% interval')).toBe('-');
    expect(cell('vs 1.5x target')).toBe('unsettled');
    expect(cell('registered')).toMatch(/^20\/20 in /);
    // 20 agents every 200 ms over the reporting window: some reports, each handled.
    expect(reports!.slice(0, 2)).toEqual(['20', 'sqlite']);
    expect(Number(reports![2])).toBeGreaterThan(0);
    expect(stdout).toMatch(/20 sqlite: per round, hactl \/ bare fan-out: [0-9.]+x/);
    expect(stdout).toMatch(
      /20 sqlite: REST ms, the first request of each apart: GET \/v1\/clusters first [0-9.]+, the later p50\/p99 [0-9.]+ \/ [0-9.]+; GET \/v1\/clusters\/NAME first [0-9.]+/,
    );
  });

  it('fleet-push --hold-reports: the post-change reports are held during the fan-out and all written after it', async () => {
    const stdout = await fleetPush('--rest-requests', '1', '--hold-reports');
    expect(stdout).toContain("reports: each agent's post-change report held until every host has the change");
    const [fanOut] = rows(stdout, '20');
    expect(fanOut![2], 'hactl fan-out ms').toMatch(NUMBER);
    // The run throws if any is still held. One change reached 16 hosts (b4..b19): each one's report
    // was held but the last one's, which came after every host had the change.
    const released =
      /20 sqlite: post-change reports held until every host had the change, then written: (\d+)/.exec(stdout);
    expect(Number(released?.[1])).toBeGreaterThanOrEqual(15);
  });

  it('apply-cost: the three paths at 5 hosts, each with its time and the rollout its PUT stored', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/apply-cost.js'), '--hosts', '5', '--rounds', '1'],
      { cwd: REPO, timeout: 100_000 },
    );
    const five = rows(stdout, '5');
    expect(five.map((c) => c[1])).toEqual(['Fleet.applyCluster', 'PUT ?rollout=false', 'PUT (rollout)']);
    const put = five[2]!;
    expect(put[2]).toMatch(NUMBER);
    // The change restarts the Storm members it touches: the PUT's rollout has steps, and its first
    // step was timed.
    expect(Number(put[6])).toBeGreaterThan(0);
    expect(put[7]).toMatch(NUMBER);
  });

  it('rollup-ab: this checkout against itself at 5 hosts, both timed, the same listing, a ratio', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/rollup-ab.js'), '--base', REPO, '--members', '5', '--rounds', '1'],
      { cwd: REPO, timeout: 100_000 },
    );
    for (const build of ['base', 'new']) {
      const [row] = rows(stdout, build);
      expect(row?.[1]).toBe(REPO);
      expect(row?.[2]).toMatch(NUMBER);
    }
    expect(stdout).toMatch(/^new \/ base: ratio of medians [0-9.]+/m);
    expect(stdout).not.toContain('list the clusters differently');
  });

  it('cluster-count: 2 and 4 ensembles, each size with its PUT, listings and view, against the first', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/cluster-count.js'), '--clusters', '2,4', '--rounds', '1'],
      { cwd: REPO, timeout: 100_000 },
    );
    const [two] = rows(stdout, '2');
    const [four] = rows(stdout, '4');
    expect(two?.slice(0, 3)).toEqual(['2', '2', '6']);
    expect(two?.[5]).toBe('1.00x');
    expect(four?.slice(0, 3)).toEqual(['4', '4', '12']);
    for (const cell of [4, 6, 8, 9, 11]) expect(four?.[cell]).toMatch(NUMBER);
    expect(four?.[5]).toMatch(/^[0-9.]+x$/);
  });

  it('cluster-count --base: an A/B of this checkout against itself, each call with both builds and their ratio', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/cluster-count.js'), '--clusters', '2,3', '--rounds', '2', '--base', REPO],
      { cwd: REPO, timeout: 100_000 },
    );
    const header = stdout
      .split('\n')
      .find((l) => l.startsWith('ensembles |'))!
      .split(' | ');
    expect(header.map((h) => h.trim())).toEqual([
      'ensembles',
      'clusters',
      'hosts',
      'call',
      'base',
      'new',
      'new/base',
      '90% interval',
    ]);
    const three = rows(stdout, '3');
    expect(three.map((c) => c[3])).toEqual(['PUT ms', 'list, fresh ms', 'list, again ms', 'view µs']);
    for (const row of three) {
      expect(row.slice(4, 6), row[3]).toEqual([expect.stringMatching(NUMBER), expect.stringMatching(NUMBER)]);
      expect(row[6], row[3]).toMatch(/^[0-9]+\.[0-9]{2}x$/);
    }
    expect(stdout).toContain('No GC column');
  });

  it('apply-cost --base: an A/B of this checkout against itself, each path with both builds and their ratio', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/apply-cost.js'), '--hosts', '5', '--rounds', '2', '--base', REPO],
      { cwd: REPO, timeout: 100_000 },
    );
    const five = rows(stdout, '5');
    expect(five.map((c) => c[1])).toEqual([
      'Fleet.applyCluster',
      'PUT ?rollout=false',
      'PUT (rollout)',
      'PUT (rollout), first step',
    ]);
    for (const row of five) {
      expect(row.slice(2, 4), row[1]).toEqual([expect.stringMatching(NUMBER), expect.stringMatching(NUMBER)]);
      expect(row[4], row[1]).toMatch(/^[0-9]+\.[0-9]{2}x$/);
    }
    // Both builds stored the same rollout: one step count.
    expect(Number(five[2]![6])).toBeGreaterThan(0);
  });

  it('cluster-count --storm: each ensemble serves a Storm cluster, twice the clusters on five hosts each', async () => {
    const { stdout } = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/cluster-count.js'), '--clusters', '2,3', '--rounds', '1', '--storm'],
      { cwd: REPO, timeout: 100_000 },
    );
    expect(stdout).toContain('each serving a Storm cluster');
    const [three] = rows(stdout, '3');
    expect(three?.slice(0, 3)).toEqual(['3', '6', '15']);
    for (const cell of [4, 6, 8, 9]) expect(three?.[cell]).toMatch(NUMBER);
  });

  it('cluster-count: a size under 2 is refused with its flag, exit 2', async () => {
    const err = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/cluster-count.js'), '--clusters', '1'],
      {
        cwd: REPO,
        timeout: 30_000,
      },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain('--clusters');
  });

  it('rollup-ab: a --base that is not a built checkout is refused with the reason, exit 2', async () => {
    const err = await run(
      process.execPath,
      [path.join(REPO, 'bench/dist/rollup-ab.js'), '--base', path.join(REPO, 'docs')],
      { cwd: REPO, timeout: 30_000 },
    ).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr).toContain(
      'has no control-plane/dist/test-core.js (run pnpm build in it)',
    );
  });
});
