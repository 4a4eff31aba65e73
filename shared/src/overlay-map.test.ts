import { describe, expect, it } from 'vitest';
import { OverlayMap, overlay } from './overlay-map.js';

type V = { v: number };
const val = (v: number): V => ({ v });

/** Everything a reader can see of a map: its entries in order, size, and each key's lookups. */
function seen(m: ReadonlyMap<string, V>, probe: readonly string[]) {
  const viaForEach: [string, number][] = [];
  m.forEach((value, key, map) => {
    expect(map).toBe(m);
    viaForEach.push([key, value.v]);
  });
  return {
    entries: [...m].map(([k, x]) => [k, x.v]),
    viaEntries: [...m.entries()].map(([k, x]) => [k, x.v]),
    keys: [...m.keys()],
    values: [...m.values()].map((x) => x.v),
    viaForEach,
    size: m.size,
    lookups: probe.map((k) => [k, m.has(k), m.get(k)?.v]),
  };
}

/** A deterministic sequence in [0, 1) (a linear congruential generator), so a failure repeats. */
function sequence(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('OverlayMap', () => {
  const base = () => new Map(['a', 'b', 'c', 'd'].map((k, i) => [k, val(i)]));
  const probe = ['a', 'b', 'c', 'd', 'e', 'f'];

  it.each<[scenario: string, sets: [string, number][], deletes: string[], entries: [string, number][]]>([
    [
      'nothing changed: the base as it is',
      [],
      [],
      [
        ['a', 0],
        ['b', 1],
        ['c', 2],
        ['d', 3],
      ],
    ],
    [
      'a replaced key keeps its place',
      [['b', 9]],
      [],
      [
        ['a', 0],
        ['b', 9],
        ['c', 2],
        ['d', 3],
      ],
    ],
    [
      'an added key comes last',
      [['e', 4]],
      [],
      [
        ['a', 0],
        ['b', 1],
        ['c', 2],
        ['d', 3],
        ['e', 4],
      ],
    ],
    [
      'a deleted key is gone',
      [],
      ['c'],
      [
        ['a', 0],
        ['b', 1],
        ['d', 3],
      ],
    ],
    [
      'deleting a key that is not there changes nothing',
      [],
      ['x'],
      [
        ['a', 0],
        ['b', 1],
        ['c', 2],
        ['d', 3],
      ],
    ],
    [
      'set then deleted in one call: deleted',
      [['e', 4]],
      ['e'],
      [
        ['a', 0],
        ['b', 1],
        ['c', 2],
        ['d', 3],
      ],
    ],
  ])('%s', (_scenario, sets, deletes, entries) => {
    const native = new Map(base());
    for (const [k, v] of sets) native.set(k, val(v));
    for (const k of deletes) native.delete(k);
    const m = overlay(
      base(),
      sets.map(([k, v]) => [k, val(v)] as const),
      deletes,
    );
    expect(seen(m, probe)).toEqual(seen(native, probe));
    expect([...m].map(([k, x]) => [k, x.v])).toEqual(entries);
  });

  it('a key deleted from the base and set again moves to the end, as in a native Map', () => {
    const m = OverlayMap.of(overlay(base(), [], ['a'])).with([['a', val(7)]]);
    expect([...m.keys()]).toEqual(['b', 'c', 'd', 'a']);
    expect(m.get('a')).toEqual(val(7));
    expect(m.size).toBe(4);
  });

  it('deriving leaves the map it came from as it was (both stay readable)', () => {
    const first = overlay(base(), [['b', val(9)]]);
    const before = seen(first, probe);
    const second = OverlayMap.of(first).with([['e', val(4)]], ['a']);
    expect(seen(first, probe)).toEqual(before);
    expect([...second.keys()]).toEqual(['b', 'c', 'd', 'e']);
    expect(second.get('b')).toEqual(val(9));
  });

  it('a generator of changes is read once, also when the delta is folded into a new base', () => {
    const big = new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, val(i)]));
    function* sets(): Generator<[string, V]> {
      for (let i = 0; i < 40; i++) yield [`k${i}`, val(100 + i)];
    }
    const m = overlay(big, sets());
    expect([...m.values()].map((x) => x.v)).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
  });

  it('random sets and deletes over many derivations read exactly as a native Map copied and changed', () => {
    const next = sequence(42);
    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    let native = new Map(keys.slice(0, 40).map((k, i) => [k, val(i)]));
    let m: ReadonlyMap<string, V> = OverlayMap.of(new Map(native));
    const history: { native: Map<string, V>; m: ReadonlyMap<string, V> }[] = [];
    for (let round = 0; round < 300; round++) {
      const sets: [string, V][] = [];
      const deletes: string[] = [];
      const n = next() < 0.1 ? 30 : 1 + Math.floor(next() * 3);
      for (let i = 0; i < n; i++) {
        const k = keys[Math.floor(next() * keys.length)]!;
        if (next() < 0.3) deletes.push(k);
        else sets.push([k, val(round * 100 + i)]);
      }
      native = new Map(native);
      for (const [k, v] of sets) native.set(k, v);
      for (const k of deletes) native.delete(k);
      m = overlay(m, sets, deletes);
      expect(seen(m, keys), `round ${round}`).toEqual(seen(native, keys));
      history.push({ native, m });
    }
    // Every earlier map still reads as it did: derivations never change what they came from.
    for (const [i, h] of history.entries()) expect(seen(h.m, keys), `map ${i}`).toEqual(seen(h.native, keys));
  });
});
