import type { ProductId, StockChangedMessage } from '@stockwire/domain';

/** A change held for a missing version, with when (in receive order) it arrived. */
export interface Held {
  change: StockChangedMessage;
  seq: number;
}

const rowKey = (m: Pick<StockChangedMessage, 'product_id' | 'location'>) =>
  `${m.product_id}\u0000${m.location}`;

/**
 * Changes that arrived ahead of a missing version, per row, by version. The tracker only keeps
 * them; when to apply, settle or refetch is the sync's to decide.
 */
export class GapTracker {
  private readonly pending = new Map<string, Map<number, Held>>();

  /** How many changes are waiting, over all rows. */
  get size(): number {
    let waiting = 0;
    for (const held of this.pending.values()) waiting += held.size;
    return waiting;
  }

  /** Keeps a change that skipped versions; a later copy of the same version replaces it. */
  hold(held: Held): void {
    const key = rowKey(held.change);
    let waiting = this.pending.get(key);
    if (!waiting) this.pending.set(key, (waiting = new Map<number, Held>()));
    waiting.set(held.change.version, held);
  }

  /** Whether this very change is still waiting: not applied, settled or replaced since. */
  isWaiting(held: Held): boolean {
    return this.pending.get(rowKey(held.change))?.get(held.change.version) === held;
  }

  /**
   * After `change` was applied: forgets it, and takes out the change that was waiting for it
   * (the next version of the row), if there is one.
   */
  takeNext(change: StockChangedMessage): Held | undefined {
    const key = rowKey(change);
    const waiting = this.pending.get(key);
    if (!waiting) return undefined;
    const next = waiting.get(change.version + 1);
    waiting.delete(change.version);
    if (next) waiting.delete(next.change.version);
    if (waiting.size === 0) this.pending.delete(key);
    return next;
  }

  /**
   * Takes out every change held for the products `ids` (or all) and returns those received after
   * `seq`, by version: a reload that began at `seq` saw everything the earlier ones could
   * legitimately carry, so only the later ones are still worth applying.
   */
  settle(seq: number, ids: ReadonlySet<ProductId> | 'all'): Held[] {
    const resume: Held[] = [];
    for (const [key, waiting] of this.pending) {
      const id = key.slice(0, key.indexOf('\u0000'));
      if (ids !== 'all' && !ids.has(id)) continue;
      for (const held of waiting.values()) if (held.seq > seq) resume.push(held);
      this.pending.delete(key);
    }
    return resume.sort((a, b) => a.change.version - b.change.version);
  }
}
