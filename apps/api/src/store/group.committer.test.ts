import { describe, expect, it } from 'vitest';
import { GroupCommitter } from './group.committer.js';

/** A batch call that answers when told to, recording what each call carried. */
function controlledSend() {
  const calls: { items: readonly string[]; answer: () => void; fail: (e: Error) => void }[] = [];
  const send = (items: readonly string[]) =>
    new Promise<string[]>((resolve, reject) => {
      calls.push({
        items,
        answer: () => resolve(items.map((i) => `done:${i}`)),
        fail: reject,
      });
    });
  return { calls, send };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommitter', () => {
  it('sends at once when nothing is in flight', async () => {
    const { calls, send } = controlledSend();
    const committer = new GroupCommitter(send);
    const result = committer.submit(['a']);
    await tick();
    expect(calls.map((c) => c.items)).toEqual([['a']]);
    calls[0]!.answer();
    expect(await result).toEqual(['done:a']);
  });

  it('sends the next call before the callers of the one that returned run', async () => {
    const { calls, send } = controlledSend();
    const committer = new GroupCommitter(send);
    const order: string[] = [];
    const first = committer
      .submit(['a'])
      .then(() => order.push(`answered a, ${calls.length} calls`));
    await tick();
    const second = committer.submit(['b']);
    calls[0]!.answer();
    await first;
    expect(order).toEqual(['answered a, 2 calls']);
    expect(calls[1]!.items).toEqual(['b']);
    calls[1]!.answer();
    expect(await second).toEqual(['done:b']);
  });

  it('sends what arrived during a call together when it returns, each caller getting its own results in order', async () => {
    const { calls, send } = controlledSend();
    const committer = new GroupCommitter(send);
    const first = committer.submit(['a']);
    await tick();
    const waiting = [
      committer.submit(['b']),
      committer.submit(['c', 'd']),
      committer.submit(['e']),
    ];
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.answer();
    await tick();
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    calls[1]!.answer();
    expect(await first).toEqual(['done:a']);
    expect(await Promise.all(waiting)).toEqual([['done:b'], ['done:c', 'done:d'], ['done:e']]);
    expect({ calls: committer.calls, items: committer.items }).toEqual({ calls: 2, items: 5 });
  });

  it('keeps each call within maxBatch, splitting between callers, never within one', async () => {
    const { calls, send } = controlledSend();
    const committer = new GroupCommitter(send, { maxBatch: 3 });
    const all = Promise.all([
      committer.submit(['a']),
      committer.submit(['b', 'c']),
      committer.submit(['d', 'e']),
      committer.submit(['f', 'g', 'h', 'i']),
      committer.submit(['j']),
    ]);
    for (let answered = 0; answered < 5; answered++) {
      await tick();
      calls[answered]!.answer();
    }
    expect(await all).toEqual([
      ['done:a'],
      ['done:b', 'done:c'],
      ['done:d', 'done:e'],
      ['done:f', 'done:g', 'done:h', 'done:i'],
      ['done:j'],
    ]);
    expect(calls.map((c) => c.items)).toEqual([
      ['a'],
      ['b', 'c'],
      ['d', 'e'],
      ['f', 'g', 'h', 'i'],
      ['j'],
    ]);
  });

  it('fails every caller of a failed call, and only them; the next batch still goes', async () => {
    const { calls, send } = controlledSend();
    const committer = new GroupCommitter(send);
    const first = committer.submit(['a']);
    await tick();
    const doomed = [committer.submit(['b']), committer.submit(['c'])];
    calls[0]!.answer();
    await tick();
    const later = committer.submit(['d']);
    calls[1]!.fail(new Error('database unavailable'));
    for (const d of doomed) await expect(d).rejects.toThrow('database unavailable');
    await tick();
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b', 'c'], ['d']]);
    calls[2]!.answer();
    expect(await first).toEqual(['done:a']);
    expect(await later).toEqual(['done:d']);
  });

  it('fails the callers of a call that answers the wrong number of results', async () => {
    const committer = new GroupCommitter((items: readonly string[]) =>
      Promise.resolve(items.slice(1)),
    );
    await expect(committer.submit(['a', 'b'])).rejects.toThrow('expected 2 results, got 1');
    expect(await committer.submit([])).toEqual([]);
  });

  it('fails the callers of a call that throws before it starts', async () => {
    const committer = new GroupCommitter<string, string>(() => {
      throw new Error('no connection');
    });
    await expect(committer.submit(['a'])).rejects.toThrow('no connection');
  });
});
