export interface StoreTally {
  purchases: number;
  unitsSold: number;
  restocks: number;
  unitsAdded: number;
  /** Transfers from the warehouse, each sent and received. */
  transfers: number;
  unitsTransferred: number;
  /** Changes the store refused (409: not enough stock, or too much): nothing was written. */
  refused: number;
  /** Actions that failed otherwise (unreachable store, 5xx): they may or may not have been written. */
  errors: number;
}

export interface SimulationSummary {
  runId: string;
  rate: number;
  seconds: number;
  stores: Array<{ name: string; tally: StoreTally }>;
  total: StoreTally;
}

/** `HH:MM:SS`, local time, as a log line starts. */
const clock = (at: Date) => at.toTimeString().slice(0, 8);

export interface Movement {
  product: string;
  location: string;
  units: number;
  before: number;
  after: number;
}

const outOfStock = (available: number) => (available === 0 ? ' - OUT OF STOCK!' : '');

/** The lines a store manager reads, in the earlier simulator's words. */
export const lines = {
  purchase: (m: Movement, at = new Date()) =>
    `${clock(at)} 🛒 PURCHASE: ${m.product} at ${m.location} - Sold ${m.units} units (${m.before} → ${m.after})${outOfStock(m.after)}`,
  restock: (m: Movement, at = new Date()) =>
    `${clock(at)} 📦 RESTOCK: ${m.product} at ${m.location} - Added ${m.units} units (${m.before} → ${m.after})`,
  refused: (
    r: { product: string; location: string; units: number; available: number },
    at = new Date(),
  ) =>
    `${clock(at)} 🚫 REFUSED: ${r.product} at ${r.location} - Wanted ${r.units} units, ${r.available} available${outOfStock(r.available)}`,
  transfer: (t: { product: string; units: number; from: string; to: string }, at = new Date()) =>
    `${clock(at)} 🚚 TRANSFER: ${t.units} × ${t.product} ${t.from} → ${t.to}`,
  error: (e: { what: string; location: string; reason: string }, at = new Date()) =>
    `${clock(at)} ❗ ERROR: ${e.what} at ${e.location} - ${e.reason}`,
};

const pad = (n: number, width: number) => String(n).padStart(width);

function storeLine(name: string, t: StoreTally): string {
  return (
    `   ${name.padEnd(18)}` +
    ` 🛒 ${pad(t.purchases, 4)} (${t.unitsSold} units)` +
    `   📦 ${pad(t.restocks, 4)} (${t.unitsAdded} units)` +
    `   🚚 ${pad(t.transfers, 4)} (${t.unitsTransferred} units)` +
    `   🚫 ${t.refused}   ❗ ${t.errors}`
  );
}

/** The summary printed at the end. */
export function summaryLines(s: SimulationSummary): string[] {
  const t = s.total;
  return [
    '',
    `📊 SUMMARY: ${s.seconds.toFixed(1)} s at ${s.rate}/s across ${s.stores.length} stores (run ${s.runId})`,
    `   🛒 purchases ${pad(t.purchases, 6)} (${t.unitsSold} units sold)`,
    `   📦 restocks  ${pad(t.restocks, 6)} (${t.unitsAdded} units added)`,
    `   🚚 transfers ${pad(t.transfers, 6)} (${t.unitsTransferred} units from the warehouse)`,
    `   🚫 refused   ${pad(t.refused, 6)} (409, nothing written)`,
    `   ❗ errors    ${pad(t.errors, 6)}`,
    ...s.stores.map(({ name, tally }) => storeLine(name, tally)),
    `   Ledger rows of this run carry request ids ${s.runId}-<n> (GET /events).`,
  ];
}
