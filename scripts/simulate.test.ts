import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  freePort,
  PROJECT_ROOT,
  readStackFile,
  spawnRedis,
  type RedisServer,
} from '@stockwire/local-stack';
import type { ProductInventory } from '@stockwire/domain';
import { expect, it } from 'vitest';
import type { StoreTally as Tally } from './simulator/report.js';

interface LedgerRow {
  location: string;
  update_type: string;
  change: number;
  store: string;
  request_id: string;
}

/** Runs a child, collecting its output; `exited` resolves with its exit code. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { text: '' };
  child.stdout.on('data', (d: Buffer) => (output.text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output.text += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { child, output, exited };
}

const number = (text: string, pattern: RegExp): number => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`summary has no ${String(pattern)}:\n${text}`);
  return Number(match[1]);
};

/** The summary's totals and per-store lines, read as a person reads them. */
function readSummary(text: string) {
  const summary = text.slice(text.indexOf('📊 SUMMARY'));
  const runId = /\(run (sim-[0-9a-f]{8})\)/.exec(summary)?.[1];
  const total: Tally = {
    purchases: number(summary, /🛒 purchases\s+(\d+) \(\d+ units sold\)/),
    unitsSold: number(summary, /🛒 purchases\s+\d+ \((\d+) units sold\)/),
    restocks: number(summary, /📦 restocks\s+(\d+) \(\d+ units added\)/),
    unitsAdded: number(summary, /📦 restocks\s+\d+ \((\d+) units added\)/),
    transfers: number(summary, /🚚 transfers\s+(\d+) \(\d+ units/),
    unitsTransferred: number(summary, /🚚 transfers\s+\d+ \((\d+) units/),
    refused: number(summary, /🚫 refused\s+(\d+)/),
    errors: number(summary, /❗ errors\s+(\d+)/),
  };
  const stores = new Map<string, Tally>();
  for (const m of summary.matchAll(
    /^\s+(\S+)\s+🛒\s+(\d+) \((\d+) units\)\s+📦\s+(\d+) \((\d+) units\)\s+🚚\s+(\d+) \((\d+) units\)\s+🚫 (\d+)\s+❗ (\d+)$/gmu,
  )) {
    const [, name, ...values] = m;
    const [
      purchases,
      unitsSold,
      restocks,
      unitsAdded,
      transfers,
      unitsTransferred,
      refused,
      errors,
    ] = values.map(Number);
    stores.set(name!, {
      purchases,
      unitsSold,
      restocks,
      unitsAdded,
      transfers,
      unitsTransferred,
      refused,
      errors,
    } as Tally);
  }
  return { runId, total, stores };
}

/** The part of a tally that writes to the ledger. */
const applied = ({
  purchases,
  unitsSold,
  restocks,
  unitsAdded,
  transfers,
  unitsTransferred,
}: Tally) => ({
  purchases,
  unitsSold,
  restocks,
  unitsAdded,
  transfers,
  unitsTransferred,
});

/** What the ledger says about some rows, tallied like the summary. */
function tally(rows: LedgerRow[]): Omit<Tally, 'refused' | 'errors'> {
  const sales = rows.filter((r) => r.update_type === 'sale');
  const restocks = rows.filter((r) => r.update_type === 'restock');
  // Each transfer is sent (out of the warehouse) and received (at the store) in full.
  const sent = rows.filter((r) => r.update_type === 'transfer_out');
  const received = rows.filter((r) => r.update_type === 'transfer_in');
  expect(sent.reduce((sum, r) => sum - r.change, 0)).toBe(
    received.reduce((sum, r) => sum + r.change, 0),
  );
  return {
    purchases: sales.length,
    unitsSold: -sales.reduce((sum, r) => sum + r.change, 0),
    restocks: restocks.length,
    unitsAdded: restocks.reduce((sum, r) => sum + r.change, 0),
    transfers: received.length,
    unitsTransferred: received.reduce((sum, r) => sum + r.change, 0),
  };
}

it('npm run simulate sells and restocks at every store for 10 s, and its summary matches the ledger', async () => {
  const dataDir = join(PROJECT_ROOT, '.data', 'test-simulate');
  await rm(dataDir, { recursive: true, force: true });
  // A Redis of its own: other stacks on this machine publish on the same channel.
  const redis: RedisServer = await spawnRedis(join(dataDir, 'redis'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const names = ['main-store', 'downtown-store', 'mall-store'];
  const STORES = names.map((name, i) => `${name}:${ports[i]}`).join(',');
  const stack = run(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'scripts/start.ts')], {
    STORES,
    SUPABASE_PORT: String(await freePort()),
    POSTGRES_PORT: String(await freePort()),
    DATA_DIR: dataDir,
    REDIS_URL: redis.url,
  });
  let simulator: ChildProcess | undefined;
  try {
    const deadline = Date.now() + 90_000;
    while (
      !stack.output.text.includes('all stores ready') &&
      stack.child.exitCode === null &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stack.output.text).toContain('all stores ready');

    // Every shelf down to its product's threshold, so that the simulator's purchases leave shelves
    // low and it refills them from the warehouse by transfer.
    const ready = await readStackFile(dataDir);
    const staff = ready?.devKeys?.staff;
    expect(staff).toBeDefined();
    const url = (i: number) => `http://127.0.0.1:${ports[i]}`;
    const catalogue = (await (await fetch(`${url(0)}/inventory?limit=1000`)).json()) as {
      products: ProductInventory[];
    };
    for (const [i, name] of names.entries()) {
      for (const p of catalogue.products) {
        const extra = (p.locations[name]?.available ?? 0) - p.low_stock_threshold;
        if (extra <= 0) continue;
        const res = await fetch(`${url(i)}/inventory/${p.product_id}/update`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${staff}` },
          body: JSON.stringify({ change: -extra, update_type: 'sale' }),
        });
        expect(res.status).toBe(200);
      }
    }

    const sim = run(
      'npm',
      ['run', '--silent', 'simulate', '--', '--duration', '10', '--rate', '12'],
      {
        STORES,
        DATA_DIR: dataDir,
      },
    );
    simulator = sim.child;
    expect(await sim.exited).toBe(0);
    const text = sim.output.text;
    const { runId, total, stores } = readSummary(text);
    expect(runId).toBeDefined();
    expect(total.errors).toBe(0);
    expect(total.purchases).toBeGreaterThan(0);
    expect(total.restocks).toBeGreaterThan(0);

    // Every action is one line, and the summary counts the lines.
    const count = (word: string) => text.split('\n').filter((l) => l.includes(word)).length;
    expect(count('🛒 PURCHASE: ')).toBe(total.purchases);
    expect(count('📦 RESTOCK: ')).toBe(total.restocks);
    expect(count('🚫 REFUSED: ')).toBe(total.refused);
    expect(text).toMatch(/🛒 PURCHASE: .+ at \S+ - Sold \d+ units \(\d+ → \d+\)/);
    expect(text).toMatch(/📦 RESTOCK: .+ at \S+ - Added \d+ units \(\d+ → \d+\)/);

    // The ledger, read straight from the database's API with the stack's service key.
    const info = await readStackFile(dataDir);
    expect(info).not.toBeNull();
    const res = await fetch(
      `${info!.supabaseUrl}/rest/v1/inventory_events?select=location,update_type,change,store,request_id` +
        `&request_id=like.${runId}-*`,
      {
        headers: { apikey: info!.serviceRoleKey, authorization: `Bearer ${info!.serviceRoleKey}` },
      },
    );
    expect(res.status).toBe(200);
    const rows = (await res.json()) as LedgerRow[];

    // One row per applied action (two for a transfer: out and in), none for a refused one; each
    // store sold from its own shelves, and took from the warehouse only by transfer (or for it).
    expect(rows).toHaveLength(total.purchases + total.restocks + 2 * total.transfers);
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(rows.length);
    const warehouse = (r: LedgerRow) =>
      r.location === 'central-warehouse' && ['transfer_out', 'restock'].includes(r.update_type);
    expect(rows.filter((r) => !warehouse(r)).every((r) => r.store === r.location)).toBe(true);
    expect(total.transfers).toBeGreaterThan(0);
    expect(count('🚚 TRANSFER: ')).toBe(total.transfers);
    expect(text).toMatch(/🚚 TRANSFER: \d+ × .+ central-warehouse → \S+-store/);
    expect(tally(rows)).toEqual(applied(total));
    expect([...stores.keys()].sort()).toEqual([...names].sort());
    for (const [name, storeTally] of stores) {
      expect(tally(rows.filter((r) => r.store === name))).toEqual(applied(storeTally));
    }
  } finally {
    simulator?.kill('SIGKILL');
    stack.child.kill('SIGINT');
    await stack.exited;
    await redis.stop();
  }
}, 150_000);
