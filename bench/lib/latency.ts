/** Percentiles of a set of latencies, in milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Records latencies (ms) and summarises them; keeps every sample, which a bounded run allows. */
export class Latencies {
  private values = new Float64Array(1024);
  private n = 0;

  add(ms: number): void {
    if (this.n === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.n++] = ms;
  }

  get count(): number {
    return this.n;
  }

  summary(): LatencySummary {
    const sorted = this.values.slice(0, this.n).sort();
    const at = (q: number) =>
      this.n === 0 ? 0 : sorted[Math.min(this.n - 1, Math.floor(q * this.n))]!;
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: this.n,
      mean: this.n === 0 ? 0 : sum / this.n,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: this.n === 0 ? 0 : sorted[this.n - 1]!,
    };
  }
}
