import type { AcceptedChanges } from '../load/protocol.js';

/** Every change the stores accepted during the run, for the ledger check at the end. */
export class AcceptedTally {
  readonly changes: AcceptedChanges = {};
  /** Requests whose outcome is unknown (no response): the ledger check cannot be exact if > 0. */
  unknown = 0;

  /** Adds a load task's accepted changes; returns how many it had. */
  record(result: { accepted: AcceptedChanges; unknown?: number }): number {
    let count = 0;
    for (const [key, row] of Object.entries(result.accepted)) {
      const acc = (this.changes[key] ??= { count: 0, sum: 0 });
      acc.count += row.count;
      acc.sum += row.sum;
      count += row.count;
    }
    this.unknown += result.unknown ?? 0;
    return count;
  }

  /** How many changes were accepted in all. */
  get total(): number {
    return Object.values(this.changes).reduce((n, r) => n + r.count, 0);
  }
}
