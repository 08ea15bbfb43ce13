import { describe, expect, it } from 'vitest';
import { pick, pickWeighted, randomInt, restockWeight, type Random } from './choose.js';

/** A "random" source that returns the given numbers in turn. */
const sequence = (...values: number[]): Random => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

describe('random choices', () => {
  it('draws whole numbers across the whole range, ends included', () => {
    expect(randomInt(sequence(0), 1, 5)).toBe(1);
    expect(randomInt(sequence(0.999), 1, 5)).toBe(5);
    expect(randomInt(sequence(0.5), 5, 20)).toBe(13);
  });

  it('picks by weight', () => {
    const items = ['a', 'b', 'c'];
    const weights: Record<string, number> = { a: 1, b: 0, c: 3 };
    expect(pickWeighted(sequence(0.1), items, (x) => weights[x]!)).toBe('a');
    expect(pickWeighted(sequence(0.3), items, (x) => weights[x]!)).toBe('c');
    expect(pickWeighted(sequence(0.99), items, (x) => weights[x]!)).toBe('c');
    expect(pick(sequence(0.5), items)).toBe('b');
  });

  it('restocks empty and low shelves first', () => {
    expect(restockWeight(0, 10)).toBeGreaterThan(restockWeight(5, 10));
    expect(restockWeight(9, 10)).toBeGreaterThan(restockWeight(10, 10) * 3);
    expect(restockWeight(10, 10)).toBeGreaterThan(restockWeight(60, 10));
    // Over many draws the shelf below its reorder point is chosen most.
    let seed = 1;
    const lcg: Random = () => ((seed = (seed * 48271) % 2147483647) - 1) / 2147483646;
    const shelves = [
      { id: 'low', available: 2 },
      { id: 'full', available: 40 },
      { id: 'fuller', available: 80 },
    ];
    const counts: Record<string, number> = { low: 0, full: 0, fuller: 0 };
    for (let i = 0; i < 1000; i++) {
      counts[pickWeighted(lcg, shelves, (s) => restockWeight(s.available, 10)).id]!++;
    }
    expect(counts.low).toBeGreaterThan(900);
    expect(counts.full).toBeGreaterThan(counts.fuller!);
  });
});
