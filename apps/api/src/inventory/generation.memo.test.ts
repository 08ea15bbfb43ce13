import { describe, expect, it } from 'vitest';
import { GenerationMemo } from './generation.memo.js';

describe('GenerationMemo', () => {
  it('works an answer out once per generation and again after a change', () => {
    let generation = 0;
    let made = 0;
    const memo = new GenerationMemo<number>(() => generation);
    const make = () => ++made;
    expect(memo.get('a', make)).toBe(1);
    expect(memo.get('a', make)).toBe(1);
    expect(memo.get('b', make)).toBe(2);
    generation++;
    expect(memo.get('a', make)).toBe(3);
    expect(made).toBe(3);
  });

  it('shares one pending answer between askers, and forgets one that failed', async () => {
    const memo = new GenerationMemo<string>(() => 0);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('database down'));
    };
    const [first, second] = [memo.get('q', failing), memo.get('q', failing)];
    expect(first).toBe(second);
    await expect(first).rejects.toThrow('database down');
    expect(await memo.get('q', () => Promise.resolve('page'))).toBe('page');
    expect(calls).toBe(1);
  });

  it('gives the value itself once the working-out is done', async () => {
    const memo = new GenerationMemo<string>(() => 0);
    await memo.get('q', () => Promise.resolve('page'));
    expect(memo.get('q', () => 'never asked')).toBe('page');
  });

  it('keeps at most `max` answers for one generation', () => {
    let made = 0;
    const memo = new GenerationMemo<number>(() => 0, 2);
    expect(memo.get('a', () => ++made)).toBe(1);
    expect(memo.get('b', () => ++made)).toBe(2);
    expect(memo.get('c', () => ++made)).toBe(3);
    expect(memo.get('a', () => ++made)).toBe(4);
  });
});
