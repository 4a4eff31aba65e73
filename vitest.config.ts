import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The suite's longest e2e files, longest first (seconds each took in a full run on 2 cores,
 * 2026-12-02). They start first, so none of them starts late and runs on alone at the end while
 * the other worker idles. Vitest orders by its own timings when it has them, but a fresh clone has
 * none and it orders by file size instead: there the Storm failover file (440 s in the suite)
 * started late and the run took about 230 s longer. Files not listed follow in vitest's order.
 */
const LONGEST_FIRST: readonly string[] = [
  'test/e2e/storm-failover.test.ts', // 500 s
  'test/e2e/elasticsearch.test.ts', // 320 s (with the rolling restart)
  'test/e2e/kafka-stop-gate.test.ts', // 170 s
  'test/e2e/rollout-kafka.test.ts', // 145 s
  'test/e2e/membership-zookeeper.test.ts', // 145 s
  'test/e2e/seed-topology.test.ts', // 135 s
  'test/e2e/storm-real.test.ts', // 125 s
  'test/e2e/replicas.test.ts', // 110 s
  'test/e2e/kafka.test.ts', // 75 s
  'test/e2e/membership-elasticsearch.test.ts', // 75 s
  'test/e2e/elasticsearch-removal.test.ts', // 65 s
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.indexOf(path.relative(root, f.moduleId));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    // A stable sort: the listed files first, in the list's order; the rest as vitest sorted them.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

// One run covers unit tests (beside the code), emulator conformance tests and e2e tests, as two
// projects run side by side:
// - e2e: two worker processes, a fresh one per file (each file starts a lab of real services, and
//   every lab uses its own 127.0.x.0/24 slice so files never contend for the same address:port).
// - unit: one worker thread that runs every file in turn without a fresh module graph per file
//   (isolate: false). Measured alone on 2 cores (2026-12-02): 158 files in 72 s of wall time and
//   43 s of CPU, against 124 s and 196 s as isolated processes on the e2e workers, where their
//   start-up costs (collect 66 s, prepare 24 s) also delayed the e2e files. They run beside the
//   two e2e workers; these files restore what they change (fake timers, listeners) themselves.
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    minWorkers: 1,
    poolOptions: { threads: { isolate: false, maxThreads: 1, minThreads: 1 } },
    reporters: ['default'],
    sequence: { sequencer: LongestFirst },
    // Kills what a lab left running after the run, and names it (test/src/lab/run-sweep.ts).
    globalSetup: ['test/src/lab/run-sweep.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            '{proto,shared,control-plane,agent,bench,ui}/src/**/*.test.ts',
            'test/src/**/*.test.ts',
            'test/emulators/*/test/**/*.test.ts',
          ],
          pool: 'threads',
        },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'] } },
    ],
  },
});
