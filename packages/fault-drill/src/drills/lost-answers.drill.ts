import { randomUUID } from 'node:crypto';
import type { Cluster } from '../cluster.js';
import { waitForConvergence } from '../convergence.js';
import { AUTHORIZATION } from '../credentials.js';
import { createProduct, ledgerCounts } from '../writes.js';
import { check, crashed, sleep, type Drill } from './drill.js';

/** One sale of the drill: what was sent and what the store answered. */
interface Sale {
  requestId: string;
  key: string | null;
  status: number | 'no answer';
  code?: string;
  /** An `outcome_unknown` sale retried with its key until answered 2xx. */
  settled?: boolean;
}

export interface LostAnswersReport {
  sales: number;
  /** Answers by status and code, e.g. `200`, `503 outcome_unknown`. */
  answers: Record<string, number>;
  /** Answered 2xx but not in the ledger exactly once: must be 0. */
  wrongMade: number;
  /** Answered `database_unavailable` yet in the ledger: must be 0. */
  wrongUnavailable: number;
  /** Keyed sales answered `outcome_unknown` whose retry with the key did not end as one sale. */
  unsettledRetries: number;
  convergedMs: number;
  crashed: string[];
}

async function sell(store: { url: string }, productId: string, keyed: boolean): Promise<Sale> {
  const sale: Sale = {
    requestId: `drill-${randomUUID()}`,
    key: keyed ? randomUUID() : null,
    status: 'no answer',
  };
  try {
    const res = await fetch(`${store.url}/inventory/${productId}/update`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': sale.requestId,
        ...(sale.key && { 'idempotency-key': sale.key }),
        ...AUTHORIZATION,
      },
      body: JSON.stringify({ change: -1, update_type: 'sale' }),
      signal: AbortSignal.timeout(15_000),
    });
    sale.status = res.status;
    const body = (await res.json()) as { error?: { code?: string } };
    if (body.error?.code) sale.code = body.error.code;
  } catch {
    // No answer at all: the ledger says what happened.
  }
  return sale;
}

/**
 * Cuts every connection between the stores and the database in the middle of a burst of sales
 * (the gateway stops with requests in flight, which PostgREST may still commit) and brings it back
 * `outageMs` later. Each answer must say what happened: 2xx only for a sale in the ledger once,
 * `database_unavailable` only for one that is not; `outcome_unknown` for the rest, and a keyed
 * sale so answered settles as exactly one sale when retried with its key.
 */
export async function lostAnswers(cluster: Cluster, outageMs: number): Promise<LostAnswersReport> {
  const { stores, databaseUrl } = cluster;
  const id = await createProduct(stores, 100_000);
  await waitForConvergence(stores, databaseUrl);

  let running = true;
  const sales: Sale[] = [];
  const loops = stores.flatMap((store) =>
    [0, 1, 2, 3].map(async (lane) => {
      for (let i = 0; running; i++) sales.push(await sell(store, id, (i + lane) % 2 === 0));
    }),
  );
  await sleep(400);
  await cluster.gateway.stop();
  await sleep(outageMs);
  await cluster.gateway.start();
  await sleep(400);
  running = false;
  await Promise.all(loops);

  let unsettledRetries = 0;
  for (const sale of sales.filter((s) => s.code === 'outcome_unknown' && s.key)) {
    const store = stores[0]!;
    let retry: Response | undefined;
    for (let attempt = 0; attempt < 20 && retry?.status !== 200; attempt++) {
      if (attempt > 0) await sleep(250);
      retry = await fetch(`${store.url}/inventory/${id}/update`, {
        method: 'POST',
        // The same request id: whichever attempt made the sale, the ledger has it under this one.
        headers: {
          'content-type': 'application/json',
          'x-request-id': sale.requestId,
          'idempotency-key': sale.key!,
          ...AUTHORIZATION,
        },
        body: JSON.stringify({ change: -1, update_type: 'sale' }),
      }).catch(() => undefined);
    }
    if (retry?.status !== 200) unsettledRetries++;
    else sale.settled = true;
  }
  const ledger = await ledgerCounts(
    databaseUrl,
    sales.map((s) => s.requestId),
  );
  const answers: Record<string, number> = {};
  let wrongMade = 0;
  let wrongUnavailable = 0;
  for (const sale of sales) {
    const answer = `${sale.status}${sale.code ? ` ${sale.code}` : ''}`;
    answers[answer] = (answers[answer] ?? 0) + 1;
    const recorded = ledger.get(sale.requestId) ?? 0;
    if (sale.status === 200 && recorded !== 1) wrongMade++;
    if (sale.code === 'database_unavailable' && recorded > 0) wrongUnavailable++;
    if (sale.settled && recorded !== 1) unsettledRetries++;
  }
  const convergedMs = await waitForConvergence(stores, databaseUrl);
  return {
    sales: sales.length,
    answers,
    wrongMade,
    wrongUnavailable,
    unsettledRetries,
    convergedMs,
    crashed: crashed(cluster),
  };
}

export const lostAnswersDrill: Drill = {
  what: ({ outageMs }) =>
    `the database connection is cut in the middle of a burst of sales, and returns after ${outageMs} ms`,
  async run(cluster, { outageMs }) {
    const report = await lostAnswers(cluster, outageMs);
    const problems: string[] = [];
    check(
      problems,
      report.wrongMade === 0,
      `${report.wrongMade} sale(s) answered 2xx were not made once`,
    );
    check(
      problems,
      report.wrongUnavailable === 0,
      `${report.wrongUnavailable} sale(s) answered database_unavailable were made`,
    );
    check(
      problems,
      report.unsettledRetries === 0,
      `${report.unsettledRetries} keyed retries did not settle`,
    );
    check(problems, report.crashed.length === 0, `crashed: ${report.crashed.join(', ')}`);
    return {
      report,
      problems,
      lines: [
        `${report.sales} sales; answers ${Object.entries(report.answers)
          .map(([answer, n]) => `${answer}: ${n}`)
          .join(', ')}`,
        `every answer true to the ledger; caches equal the database ${(report.convergedMs / 1000).toFixed(2)} s later`,
      ],
    };
  },
};
