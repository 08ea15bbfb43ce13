/**
 * Answers worked out at most once per generation of the cache (a count that moves with every
 * change to it): what was read at one generation holds until the next. Askers at the same time
 * share one working-out. Promises that reject are forgotten, so a failure is never kept.
 */
export class GenerationMemo<V> {
  private at = -1;
  private readonly answers = new Map<string, V>();

  constructor(
    private readonly generation: () => number,
    /** Most answers kept for one generation; past it, all are dropped. @default 256 */
    private readonly max = 256,
  ) {}

  get(key: string, make: () => V): V {
    const now = this.generation();
    if (now !== this.at) {
      this.answers.clear();
      this.at = now;
    }
    let answer = this.answers.get(key);
    if (answer === undefined) {
      if (this.answers.size >= this.max) this.answers.clear();
      answer = make();
      this.answers.set(key, answer);
      if (answer instanceof Promise) {
        const kept = answer;
        kept.catch(() => {
          if (this.answers.get(key) === kept) this.answers.delete(key);
        });
      }
    }
    return answer;
  }
}
