import { describe, expect, it } from 'vitest';
import { labelProblem } from './labels.js';

describe('host labels', () => {
  it.each([
    ['rack', 'r1'],
    ['topology.kubernetes.io/zone', 'eu-1a'],
    ['tier', ''],
  ])('%s=%s is a label', (k, v) => expect(labelProblem(k, v)).toBeUndefined());

  it.each([
    ['', 'x', /is not a label/],
    ['rack', 'r 1', /is not a label/],
    ['k'.repeat(64), 'x', /is not a label/],
    ['rack', 'a/b', /is not a label/],
    ['__proto__', 'x', /__proto__ is reserved/],
  ])('%s=%s is refused', (k, v, why) => expect(labelProblem(k, v)).toMatch(why));
});
