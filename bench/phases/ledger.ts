import { fmt } from '../lib/report.js';
import { INITIAL_STOCK, say, type BenchContext, type PhaseResult } from './context.js';

export interface LedgerCheck {
  /** The last ledger row's id before the bench wrote anything. */
  from: number;
  /** Cached rows that differed from the database after the writes: lost updates as well. */
  staleRows: number;
}

/**
 * Checks every accepted change against the ledger and the stock rows. Returns, besides figures and
 * checks, how many updates were lost or mismatched (ledger, stock and caches): the run fails if any.
 */
export async function ledger(
  { db, accepted, target }: BenchContext,
  { from, staleRows }: LedgerCheck,
): Promise<PhaseResult & { broken: number }> {
  say('checking the ledger against every accepted change…');
  const { rows } = await db.query<{
    key: string;
    n: string;
    s: string;
    on_hand: number;
  }>(
    `select e.product_id || '|' || e.location as key, count(*)::text as n, sum(e.change)::text as s,
            min(l.on_hand) as on_hand
       from public.inventory_events e
       join public.stock_levels l using (product_id, location)
      where e.id > $1
      group by e.product_id, e.location`,
    [from],
  );
  let lost = 0;
  let stockMismatches = 0;
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.key);
    const acc = accepted.changes[row.key] ?? { count: 0, sum: 0 };
    lost += Math.abs(Number(row.n) - acc.count);
    if (Number(row.s) !== acc.sum || row.on_hand !== INITIAL_STOCK + acc.sum) stockMismatches++;
  }
  for (const [key, acc] of Object.entries(accepted.changes)) if (!seen.has(key)) lost += acc.count;
  const acceptedTotal = accepted.total;
  const broken = lost + stockMismatches + staleRows;
  return {
    broken,
    figures:
      acceptedTotal > 0
        ? [
            {
              section: 'Writes',
              label: `lost updates among ${fmt(acceptedTotal)} accepted changes (ledger, stock, caches)`,
              value: broken,
              unit: '',
              target: target('= 0', broken === 0, 0),
            },
          ]
        : [],
    checks: {
      'changes accepted': acceptedTotal,
      'ledger rows differing from accepted changes': lost,
      'rows whose stock differs from the ledger': stockMismatches,
      'requests with unknown outcome': accepted.unknown,
    },
  };
}
