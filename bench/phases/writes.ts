import { cpus } from 'node:os';
import type { LoadResult } from '../lib/load.js';
import { fmt, ms, p50p99, type Figure } from '../lib/report.js';
import type { WriteLoadResult } from '../load/protocol.js';
import { HOT_PRODUCT, say, STORE_NAMES, type BenchContext, type PhaseResult } from './context.js';

/** The stores' group-commit counters of `apply_stock_changes`, summed: calls made, changes sent. */
async function groupCommits(
  stores: ReadonlyArray<{ url: string }>,
  key: string,
): Promise<{ calls: number; items: number }> {
  const total = { calls: 0, items: 0 };
  for (const { url } of stores) {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } });
    for (const line of (await res.text()).split('\n')) {
      const m =
        /^stockwire_group_commit_(calls|items)_total\{[^}]*function="apply_stock_changes"[^}]*\} (\d+)/.exec(
          line,
        );
      if (m) total[m[1] as 'calls' | 'items'] += Number(m[2]);
    }
  }
  return total;
}

/**
 * Stock changes, holds and orders through the stores, beside one change per call over direct SQL
 * and one rpc per change through PostgREST; then an open loop at a fixed rate, and CPU per change.
 */
export async function writes(ctx: BenchContext): Promise<PhaseResult> {
  say('writes');
  const { stack, stores, targets, worker, meter, accepted, size, key, products, target } = ctx;
  const common = {
    key,
    products,
    durationMs: size.writeMs / size.rounds,
    warmupMs: size.warmupMs / 2,
  };
  /** Changes accepted in the random-products phase, warm-up included: CPU per change divides by it. */
  let acceptedRandom = 0;
  /** Group-commit calls and the changes they carried, in the random-products phase. */
  let randomCalls = 0;
  let randomItems = 0;
  const tally = async (run: Promise<WriteLoadResult>) => {
    const r = await run;
    accepted.record(r);
    return r;
  };
  const [sql, rest, , random, hot, holds, orders, transfers] = (await meter.interleaved([
    [
      'writes: direct SQL, one change per call',
      () =>
        tally(
          worker.run('sqlDirect', {
            ...common,
            databaseUrl: stack.databaseUrl,
            locations: STORE_NAMES,
            clients: size.sqlClients,
          }),
        ),
    ],
    [
      'writes: PostgREST, one rpc per change',
      () =>
        tally(
          worker.run('postgrestDirect', {
            ...common,
            supabaseUrl: stack.supabaseUrl,
            serviceRoleKey: stack.serviceRoleKey,
            locations: STORE_NAMES,
            connections: size.restConnections,
          }),
        ),
    ],
    [
      // The baselines just moved the bench rows behind the stores' backs (no store heard of
      // it), so the stores' first writes to them find versions missing and every store reloads
      // every product. That is the baselines' doing, not the stores' pace: it happens here,
      // with its own CPU row, and is not measured as a figure.
      'writes: stores catch up with the baselines (not a figure)',
      () =>
        tally(
          worker.run('writes', {
            ...common,
            durationMs: size.catchUpMs,
            warmupMs: 0,
            stores: targets,
            connections: size.writeConnections,
          }),
        ),
    ],
    [
      'writes: three stores, random products',
      async () => {
        const before = await groupCommits(stores, key);
        const result = await worker.run('writes', {
          ...common,
          stores: targets,
          connections: size.writeConnections,
        });
        acceptedRandom += accepted.record(result);
        const after = await groupCommits(stores, key);
        randomCalls += after.calls - before.calls;
        randomItems += after.items - before.items;
        return result;
      },
    ],
    [
      'writes: three stores, one hot row',
      () =>
        tally(
          worker.run('writes', {
            ...common,
            stores: targets,
            connections: size.hotConnections,
            hot: { product: HOT_PRODUCT, location: 'main-store' },
          }),
        ),
    ],
    [
      'writes: holds of one unit, three stores',
      () =>
        tally(
          worker.run('writes', {
            ...common,
            kind: 'hold',
            stores: targets,
            connections: size.writeConnections,
          }),
        ),
    ],
    [
      'writes: one-line orders, three stores',
      () =>
        tally(
          worker.run('writes', {
            ...common,
            kind: 'order',
            stores: targets,
            connections: size.writeConnections,
          }),
        ),
    ],
    [
      'writes: one-line transfers, store to store',
      () =>
        tally(
          worker.run('writes', {
            ...common,
            kind: 'transfer',
            stores: targets,
            connections: size.writeConnections,
          }),
        ),
    ],
  ])) as [
    LoadResult,
    LoadResult,
    LoadResult,
    LoadResult,
    LoadResult,
    LoadResult,
    LoadResult,
    LoadResult,
  ];
  const open = await meter.measured(`writes: open loop at ${size.openRate}/s`, () =>
    tally(
      worker.run('writes', {
        ...common,
        durationMs: size.openMs,
        warmupMs: 0,
        stores: targets,
        connections: 0,
        rate: size.openRate,
      }),
    ),
  );
  // What one change costs, in CPU, in every process it passes through (the load generator not
  // counted): the ceiling this machine puts on the write path whatever the concurrency.
  const spent = meter.cpu.find((r) => r.phase === 'writes: three stores, random products')?.cores;
  const perChange = (group: string) => ((spent?.[group] ?? 0) / acceptedRandom) * 1000;
  const servers = ['stores', 'postgres', 'postgrest', 'self', 'redis'];
  const cpuPerChange = servers.reduce((n, g) => n + perChange(g), 0);
  const restBaseline = {
    label: `one rpc per change through PostgREST (${size.restConnections} in flight)`,
    value: rest.perSecond,
    unit: 'changes/s',
    detail: p50p99(rest),
  };
  const sqlBaseline = {
    label: `apply_stock_changes over direct SQL (${size.sqlClients} connections)`,
    value: sql.perSecond,
    unit: 'changes/s',
    detail: p50p99(sql),
  };
  const figures: Figure[] = [
    {
      section: 'Writes',
      label: `three stores, random products (${size.writeConnections} connections)`,
      value: random.perSecond,
      unit: 'changes/s',
      detail:
        randomCalls > 0
          ? `${p50p99(random)}; ${fmt(randomItems / randomCalls)} changes per rpc`
          : p50p99(random),
      baseline: restBaseline,
      ratio: random.perSecond / rest.perSecond,
      target: target(
        '≥ 5,000/s and ≥ 3×',
        random.perSecond >= 5000 && random.perSecond >= 3 * rest.perSecond,
        Math.max(5000, 3 * rest.perSecond),
      ),
    },
    {
      section: 'Writes',
      label: 'the same, against the direct-SQL ceiling',
      value: random.perSecond,
      unit: 'changes/s',
      baseline: sqlBaseline,
      ratio: random.perSecond / sql.perSecond,
      target: target('≥ 50 %', random.perSecond >= 0.5 * sql.perSecond, 0.5 * sql.perSecond),
    },
    {
      section: 'Writes',
      label: `one hot row, sold at all three stores (${size.hotConnections} connections)`,
      value: hot.perSecond,
      unit: 'changes/s',
      detail: p50p99(hot),
      baseline: restBaseline,
      ratio: hot.perSecond / rest.perSecond,
    },
    {
      section: 'Writes',
      label: `holds of one unit, three stores, random products (${size.writeConnections} connections)`,
      value: holds.perSecond,
      unit: 'holds/s',
      detail: p50p99(holds),
      baseline: restBaseline,
      ratio: holds.perSecond / rest.perSecond,
    },
    {
      section: 'Writes',
      label: `one-line orders, three stores, random products (${size.writeConnections} connections)`,
      value: orders.perSecond,
      unit: 'orders/s',
      detail: p50p99(orders),
      baseline: restBaseline,
      ratio: orders.perSecond / rest.perSecond,
    },
    {
      section: 'Writes',
      label: `one-line transfers, each store to the next, random products (${size.writeConnections} connections)`,
      value: transfers.perSecond,
      unit: 'transfers/s',
      detail: `${p50p99(transfers)}; beside ${fmt(random.perSecond)} sales and restocks/s`,
      baseline: restBaseline,
      ratio: transfers.perSecond / rest.perSecond,
    },
    {
      section: 'Writes',
      label: `p99 latency at ${fmt(size.openRate)} changes/s (open loop)`,
      value: open.latency.p99,
      unit: 'ms',
      detail:
        `p50 ${ms(open.latency.p50)}, max ${ms(open.latency.max)}, ${fmt(open.perSecond)}/s done` +
        (open.dropped ? `, ${fmt(open.dropped)} not sent: overloaded` : ''),
      target: target('≤ 50 ms', open.latency.p99 <= 50 && !open.dropped, 50),
    },
    {
      section: 'Writes',
      label: 'CPU per change, all server processes (random products)',
      value: cpuPerChange,
      unit: 'ms',
      detail:
        `stores ${ms(perChange('stores'))}, Postgres ${ms(perChange('postgres'))}, ` +
        `PostgREST ${ms(perChange('postgrest'))}, gateway ${ms(perChange('self'))}: ` +
        `${fmt((cpus().length * 1000) / cpuPerChange)} changes/s at most on ${cpus().length} idle cores`,
    },
  ];
  const refused = [random, hot, open].reduce(
    (n, r) => n + r.requests - (r.statuses['200'] ?? 0),
    0,
  );
  const notCreated = [holds, orders, transfers].reduce(
    (n, r) => n + r.requests - (r.statuses['201'] ?? 0),
    0,
  );
  return {
    figures,
    checks: {
      'writes not answered 200': refused,
      'holds, orders and transfers not answered 201': notCreated,
    },
  };
}
