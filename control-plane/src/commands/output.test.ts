import { describe, expect, it } from 'vitest';
import { OutputLog, type OutputEvent } from './output.js';

const out = (data: string): OutputEvent => ({ type: 'output', host: 'h1', stream: 'stdout', data });

describe('OutputLog', () => {
  it('nobody reading → credit at once; a later reader gets what is retained, then the end', async () => {
    const log = new OutputLog(1000);
    let credited = 0;
    log.append(out('a'), () => credited++);
    log.append(out('b'), () => credited++);
    expect(credited).toBe(2);
    log.append({ type: 'end', state: 'done' });
    const r = log.reader();
    expect(await r.next()).toEqual([out('a'), out('b'), { type: 'end', state: 'done' }]);
    expect(await r.next()).toBeNull();
  });

  it('a reader holds the credit until it has taken the event (a slow CLI slows the agent)', async () => {
    const log = new OutputLog(1000);
    const r = log.reader();
    let credited = 0;
    log.append(out('a'), () => credited++);
    expect(credited).toBe(0);
    expect(await r.next()).toEqual([out('a')]);
    expect(credited).toBe(1);
  });

  it('a waiting reader wakes on the next event', async () => {
    const log = new OutputLog(1000);
    const r = log.reader();
    const p = r.next();
    log.append(out('x'));
    expect(await p).toEqual([out('x')]);
  });

  it('without readers only the newest retainBytes are kept; a late reader is told how many events are gone', async () => {
    const log = new OutputLog(2);
    for (const d of ['a', 'b', 'c', 'd']) log.append(out(d));
    const r = log.reader();
    expect(await r.next()).toEqual([{ type: 'dropped', events: 2 }, out('c'), out('d')]);
  });

  it('closing a slow reader releases its credit', () => {
    const log = new OutputLog(1000);
    const r = log.reader();
    let credited = 0;
    log.append(out('a'), () => credited++);
    r.close();
    expect(credited).toBe(1);
  });
});
