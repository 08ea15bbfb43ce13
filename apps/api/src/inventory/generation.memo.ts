/**
 * Answers worked out at most once per generation of the cache (a count that moves with every
 * change to it): what was read at one generation holds until the next. Askers at the same time
 * share one working-out; once it is done they get the value itself, without waiting. A working-out
 * that fails is forgotten, so a failure is never kept.
 */
export class GenerationMemo<T> {
  private at = -1;
  private readonly answers = new Map<string, T | Promise<T>>();

  constructor(
    private readonly generation: () => number,
    /** Most answers kept for one generation; past it, all are dropped. @default 256 */
    private readonly max = 256,
  ) {}

  get(key: string, make: () => T | Promise<T>): T | Promise<T> {
    const now = this.generation();
    if (now !== this.at) {
      this.answers.clear();
      this.at = now;
    }
    const known = this.answers.get(key);
    if (known !== undefined) return known;
    if (this.answers.size >= this.max) this.answers.clear();
    const answer = make();
    this.answers.set(key, answer);
    if (answer instanceof Promise) {
      void answer.then(
        (value) => {
          if (this.answers.get(key) === answer) this.answers.set(key, value);
        },
        () => {
          if (this.answers.get(key) === answer) this.answers.delete(key);
        },
      );
    }
    return answer;
  }
}
