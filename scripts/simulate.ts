/**
 * `npm run simulate`: random purchases and restocks against the running stores, through their
 * public HTTP API, logged as a store manager reads them, with a summary at the end.
 * `npm run simulate -- --help` lists the options.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_DATA_DIR, readStackFile } from '@stockwire/local-stack';
import { scriptEnv } from './env.js';
import { simulateOptions, SIMULATE_USAGE } from './simulator/options.js';
import { summaryLines } from './simulator/report.js';
import { simulate, type SimulatedStore } from './simulator/simulation.js';
import { StoreClient } from './simulator/store-client.js';

let options;
try {
  options = simulateOptions(process.argv.slice(2), scriptEnv());
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  console.error(`\n${SIMULATE_USAGE}`);
  process.exit(2);
}
if (!options) {
  console.log(SIMULATE_USAGE);
  process.exit(0);
}

// Writes need a key: SIMULATOR_API_KEY, else the staff key of the stack `npm start` runs.
const env = scriptEnv();
const apiKey =
  env.SIMULATOR_API_KEY ?? (await readStackFile(env.DATA_DIR ?? DEFAULT_DATA_DIR))?.devKeys?.staff;
if (!apiKey) {
  console.error(
    'Writes need an API key: set SIMULATOR_API_KEY, or run `npm start` (its staff key is used).',
  );
  process.exit(1);
}

const stores: SimulatedStore[] = [];
for (const url of options.urls) {
  const client = new StoreClient(url, apiKey);
  try {
    const health = await client.health();
    if (!health.ready) throw new Error('it is still loading its stock');
    stores.push({ name: health.store, client });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(`No store ready at ${url} (${reason}). Is \`npm start\` running?`);
    process.exit(1);
  }
}
const products = await stores[0]!.client.inventory();
if (products.length === 0) {
  console.error('The stores have no products to sell.');
  process.exit(1);
}

const runId = `sim-${randomUUID().slice(0, 8)}`;
const until = options.duration === 0 ? 'until Ctrl-C' : `for ${options.duration} s`;
console.log(
  `🏪 Simulating ${options.rate} actions/s ${until} at ${stores.map((s) => s.name).join(', ')} ` +
    `(${products.length} products; run ${runId}; Ctrl-C stops early)`,
);

const stop = new AbortController();
process.once('SIGINT', () => {
  console.log('\nStopping: finishing the actions under way…');
  stop.abort();
  process.once('SIGINT', () => process.exit(130));
});

const summary = await simulate(
  {
    stores,
    products,
    rate: options.rate,
    durationMs: options.duration === 0 ? null : options.duration * 1000,
    runId,
    print: (line) => console.log(line),
  },
  stop.signal,
);
for (const line of summaryLines(summary)) console.log(line);
process.exit(summary.total.errors > 0 ? 1 : 0);
