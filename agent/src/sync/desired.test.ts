import { describe, expect, it } from 'vitest';
import { ValidationError } from '@hactl/shared';
import { checkDesiredInstance } from './desired.js';

/** The problem paths a desired instance is refused for (inputs left empty, so they always fail). */
function problemPaths(role: unknown): string[] {
  try {
    checkDesiredInstance(
      {
        id: 'es-main/node-4',
        cluster: 'es-main',
        kind: 'elasticsearch',
        role,
        runState: 'running',
        inputs: {},
      },
      'instances[0]',
    );
    return [];
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return err.details.map((d) => d.path);
  }
}

describe('desired instance role labels', () => {
  it.each([
    ['a single role', 'member'],
    ['Kafka KRaft combined node', 'broker,controller'],
    ['Elasticsearch node with several roles', 'data_content,data_hot,ingest'],
  ])('%s (%s) → accepted', (_what, role) => {
    expect(problemPaths(role)).not.toContain('instances[0].role');
  });

  it.each([
    ['a newline', 'member\nx'],
    ['a slash', '../member'],
    ['not a string', 7],
  ])('a role with %s → refused naming the field', (_what, role) => {
    expect(problemPaths(role)).toContain('instances[0].role');
  });
});
