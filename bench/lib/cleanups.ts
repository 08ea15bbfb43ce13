/** What has to be stopped before the process exits, run last-started first. */
export class Cleanups {
  private readonly steps: Array<() => Promise<unknown>> = [];

  constructor(private readonly say: (line: string) => void) {}

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  /** Runs every step added so far, newest first; a failing step is reported, not thrown. */
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      await step().catch((e: unknown) => this.say(`cleanup: ${String(e)}`));
    }
    this.steps.length = 0;
  }
}
