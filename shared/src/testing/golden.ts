import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

/**
 * Golden-file assertions for renderer tests: compares with `testdata/golden/<name>` beside the test
 * file. `UPDATE_GOLDEN=1` rewrites the files; a missing file fails (it is never created silently, so
 * a renderer test cannot pass without its golden file committed).
 */
export function goldenChecker(testFileUrl: string): (name: string, actual: string) => void {
  const dir = path.join(path.dirname(fileURLToPath(testFileUrl)), 'testdata', 'golden');
  return (name, actual) => {
    const file = path.join(dir, name);
    if (process.env.UPDATE_GOLDEN === '1') {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(file, actual);
    }
    if (!fs.existsSync(file))
      throw new Error(`golden file ${file} is missing; run the test with UPDATE_GOLDEN=1 and commit it`);
    expect(actual).toBe(fs.readFileSync(file, 'utf8'));
  };
}
