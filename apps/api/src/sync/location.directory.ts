import type { Location, StockLocation } from '@stockwire/domain';

/**
 * This instance's list of locations, as `GET /locations` serves it and the dashboards take their
 * columns from it: loaded with the cache, then kept by `location_changed` messages. Whether a
 * write may name a location is the database's to decide (every write function asks it); this
 * list only tells clients what there is.
 */
export class LocationDirectory {
  private readonly byId = new Map<Location, StockLocation>();
  /** Counts messages taken in, to tell the ones that arrived during a load. */
  private seq = 0;
  private readonly touched = new Map<Location, number>();

  constructor(private readonly load: () => Promise<StockLocation[]>) {}

  /**
   * Replaces the list with a fresh read; a location a message changed while the read was under
   * way keeps what the message said, which is at least as new.
   */
  async reload(): Promise<void> {
    const started = this.seq;
    const read = await this.load();
    const seen = new Set<Location>();
    for (const location of read) {
      seen.add(location.id);
      if ((this.touched.get(location.id) ?? 0) <= started) this.byId.set(location.id, location);
    }
    for (const id of this.byId.keys()) {
      if (!seen.has(id) && (this.touched.get(id) ?? 0) <= started) this.byId.delete(id);
    }
  }

  /** A location as a message announced it; returns whether that changed the list. */
  accept(location: StockLocation): boolean {
    this.touched.set(location.id, ++this.seq);
    const before = this.byId.get(location.id);
    this.byId.set(location.id, location);
    return !before || JSON.stringify(before) !== JSON.stringify(location);
  }

  get(id: Location): StockLocation | undefined {
    return this.byId.get(id);
  }

  /** Every location, active or not, by id. */
  list(): StockLocation[] {
    return [...this.byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
