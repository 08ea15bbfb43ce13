import type { ProductInventory } from '@stockwire/domain';
import { pick, pickWeighted, randomInt, restockWeight, type Random } from './choose.js';
import { lines as reportLines, type SimulationSummary, type StoreTally } from './report.js';
import type { StoreClient, UpdateOutcome } from './store-client.js';

/** What the simulation did at one store. */
export interface SimulatedStore {
  /** The store's name, which is also the location it sells from. */
  name: string;
  client: StoreClient;
}

export interface SimulationOptions {
  stores: SimulatedStore[];
  /** The catalogue customers buy from. */
  products: Array<Pick<ProductInventory, 'product_id' | 'name'>>;
  /** Actions per second across all stores. */
  rate: number;
  /** How long to schedule actions; null until stopped. */
  durationMs: number | null;
  /** Prefix of every request id this run sends, so its ledger rows can be found. */
  runId: string;
  print: (line: string) => void;
  /** @default Math.random */
  random?: Random;
  /** Share of actions that are restocks. @default 0.25 */
  restockShare?: number;
  /**
   * Where a store's low shelves are refilled from by transfer, sent and received at once; null for
   * no transfers. @default 'central-warehouse'
   */
  warehouse?: string | null;
}

const emptyTally = (): StoreTally => ({
  purchases: 0,
  unitsSold: 0,
  restocks: 0,
  unitsAdded: 0,
  transfers: 0,
  unitsTransferred: 0,
  refused: 0,
  errors: 0,
});

/**
 * Random purchases (1–5 units of any product) and restocks (5–20 units, preferring low shelves)
 * at random stores, at `rate` actions per second, each store selling from its own location.
 * Actions at one store run one after another, so each line's before → after is exact.
 * Resolves with the tally once the time is up (or `stop` aborts) and every started action ended.
 */
export async function simulate(
  options: SimulationOptions,
  stop: AbortSignal,
): Promise<SimulationSummary> {
  const { stores, products, rate, runId, print } = options;
  const random = options.random ?? Math.random;
  const restockShare = options.restockShare ?? 0.25;
  const warehouse = options.warehouse === undefined ? 'central-warehouse' : options.warehouse;
  const tallies = new Map(stores.map((s) => [s.name, emptyTally()]));
  const queues = new Map<string, Promise<void>>();
  let sequence = 0;

  /** Counts and prints what came of a purchase or a restock of `units` of `product` at `store`. */
  function tell(
    action: 'purchase' | 'restock',
    store: SimulatedStore,
    tally: StoreTally,
    product: { name: string },
    units: number,
    outcome: UpdateOutcome,
    location = store.name,
  ) {
    switch (outcome.kind) {
      case 'applied': {
        const after = outcome.product.warehouses[location] ?? 0;
        const moved = { product: product.name, location, units, after };
        if (action === 'purchase') {
          tally.purchases++;
          tally.unitsSold += units;
          print(reportLines.purchase({ ...moved, before: after + units }));
        } else {
          tally.restocks++;
          tally.unitsAdded += units;
          print(reportLines.restock({ ...moved, before: after - units }));
        }
        return;
      }
      case 'refused':
        tally.refused++;
        print(
          reportLines.refused({
            product: product.name,
            location,
            units,
            available: outcome.available,
          }),
        );
        return;
      case 'failed':
        tally.errors++;
        print(
          reportLines.error({
            what: `${action} of ${product.name}`,
            location,
            reason: outcome.reason,
          }),
        );
    }
  }

  async function purchase(store: SimulatedStore, tally: StoreTally, requestId: string) {
    const product = pick(random, products);
    const units = randomInt(random, 1, 5);
    const outcome = await store.client.update(
      product.product_id,
      { change: -units, update_type: 'sale' },
      requestId,
    );
    tell('purchase', store, tally, product, units, outcome);
    if (
      warehouse !== null &&
      outcome.kind === 'applied' &&
      (outcome.product.locations[store.name]?.available ?? 0) < outcome.product.low_stock_threshold
    ) {
      await replenish(store, tally, outcome.product, warehouse, requestId);
    }
  }

  /**
   * Refills a low shelf from the warehouse: a transfer of what brings it to twice its threshold,
   * received at once. A warehouse short of it gets a delivery (a restock there) first.
   */
  async function replenish(
    store: SimulatedStore,
    tally: StoreTally,
    product: ProductInventory,
    from: string,
    requestId: string,
  ) {
    const to = store.name;
    const available = product.locations[to]?.available ?? 0;
    const units = Math.max(5, product.low_stock_threshold * 2 - available);
    const lines = [{ product_id: product.product_id, quantity: units }];
    let sent = await store.client.transfer({ from, to, lines }, `${requestId}-transfer`);
    if (sent.kind === 'refused' && sent.code === 'insufficient_stock') {
      const delivery = await store.client.update(
        product.product_id,
        { change: units * 4, update_type: 'restock', warehouse: from },
        `${requestId}-delivery`,
      );
      tell('restock', store, tally, product, units * 4, delivery, from);
      if (delivery.kind !== 'applied') return;
      sent = await store.client.transfer({ from, to, lines }, `${requestId}-transfer-again`);
    }
    switch (sent.kind) {
      case 'refused':
        tally.refused++;
        print(
          reportLines.refused({
            product: product.name,
            location: from,
            units,
            available: sent.available,
          }),
        );
        return;
      case 'failed':
        tally.errors++;
        print(
          reportLines.error({
            what: `transfer of ${product.name}`,
            location: from,
            reason: sent.reason,
          }),
        );
        return;
      case 'applied':
        break;
    }
    tally.transfers++;
    tally.unitsTransferred += units;
    print(reportLines.transfer({ product: product.name, units, from, to }));
    const received = await store.client.receive(sent.transfer.transfer_id, `${requestId}-receipt`);
    if (received.kind !== 'applied') {
      tally.errors++;
      const reason = received.kind === 'failed' ? received.reason : received.code;
      print(reportLines.error({ what: `receipt of ${product.name}`, location: to, reason }));
    }
  }

  async function restock(store: SimulatedStore, tally: StoreTally, requestId: string) {
    const location = store.name;
    let shelves: ProductInventory[];
    try {
      shelves = await store.client.inventory();
    } catch (error) {
      tally.errors++;
      const reason = error instanceof Error ? error.message : String(error);
      print(reportLines.error({ what: 'reading stock', location, reason }));
      return;
    }
    if (shelves.length === 0) return;
    const product = pickWeighted(random, shelves, (p) =>
      restockWeight(p.locations[location]?.available ?? 0, p.low_stock_threshold),
    );
    const units = randomInt(random, 5, 20);
    const outcome = await store.client.update(
      product.product_id,
      { change: units, update_type: 'restock' },
      requestId,
    );
    tell('restock', store, tally, product, units, outcome);
  }

  /** Queues one action at a random store behind the ones already running there. */
  function schedule() {
    const store = pick(random, stores);
    const tally = tallies.get(store.name)!;
    const requestId = `${runId}-${++sequence}`;
    const act = random() < restockShare ? restock : purchase;
    const previous = queues.get(store.name) ?? Promise.resolve();
    queues.set(
      store.name,
      previous.then(() => act(store, tally, requestId)),
    );
  }

  const started = Date.now();
  await new Promise<void>((resolve) => {
    let scheduled = 0;
    const tick = () => {
      // As many actions as the rate allows by now: steady on average, whatever the timer does.
      const due = Math.floor(((Date.now() - started) / 1000) * rate) + 1;
      for (; scheduled < due; scheduled++) schedule();
    };
    const timer = setInterval(tick, Math.min(100, Math.max(5, 1000 / rate)));
    const deadline =
      options.durationMs === null ? undefined : setTimeout(finish, options.durationMs);
    function finish() {
      clearInterval(timer);
      clearTimeout(deadline);
      stop.removeEventListener('abort', finish);
      resolve();
    }
    if (stop.aborted) return finish();
    stop.addEventListener('abort', finish);
    tick();
  });
  await Promise.all(queues.values());

  const total = emptyTally();
  for (const tally of tallies.values()) {
    for (const key of Object.keys(total) as Array<keyof StoreTally>) total[key] += tally[key];
  }
  return {
    runId,
    rate,
    seconds: (Date.now() - started) / 1000,
    stores: stores.map((s) => ({ name: s.name, tally: tallies.get(s.name)! })),
    total,
  };
}
