import { describe, expect, it } from 'vitest';
import { labelProblem, parseLabelArg } from './labels.js';

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

describe('--label KEY=VALUE', () => {
  it.each([
    ['rack=r1', { key: 'rack', value: 'r1' }],
    ['tier=', { key: 'tier', value: '' }],
    ['rack', { problem: '"rack" is not KEY=VALUE' }],
    ['=x', { problem: expect.stringMatching(/^"=x" is not a label/) as unknown }],
    ['__proto__=x', { problem: expect.stringMatching(/__proto__ is reserved/) as unknown }],
  ])('%s', (text, want) => expect(parseLabelArg(text)).toEqual(want));
});
