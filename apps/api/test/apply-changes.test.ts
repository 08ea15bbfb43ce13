import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { migrate, PROJECT_ROOT } from '@stockwire/local-stack';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { scratchDatabase, type ScratchDatabase } from './support/database.js';

/**
 * `apply_stock_changes` against the versions it replaced, through the same calls on identical
 * databases: every result and every table must match. Each baseline is a database built by the
 * migrations older than a version; the current one is built by all of them. Holds, orders and
 * their expiry run between the batches, identically everywhere, since they move stock too.
 */
const BASELINES: Record<string, string> = {
  'one apply_move per change (the migrations before 20261130000000_faster_changes)':
    '20261130000000',
  'the batch before one sign rule and one guard (before 20261201000000_one_change_rule)':
    '20261201000000',
};
const RANDOM_BATCHES = 120;
const CONCURRENCY_MS = 4000;
/** Tables are compared after every hand-made case, every TABLES_EVERY-th random step, and at the end. */
const TABLES_EVERY = 10;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A small deterministic generator: every database gets exactly the same calls. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$/;
const TIME_KEYS = new Set(['updated_at', 'created_at', 'expires_at']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/**
 * What later versions add to a row change and the baselines never had, with the value that means
 * "not a transfer": left out where it has that value, so that any other value is a difference.
 */
const ADDED_SINCE: Record<string, Json> = {
  in_transit: 0,
  in_transit_change: 0,
  transfer_id: null,
};

/**
 * Masks what may differ between databases: timestamps (checked to be timestamps), what the
 * baselines lack ({@link ADDED_SINCE}), and the ids of holds, which reserve_stock draws at random: each becomes its number in the order the database's
 * answers first showed it, so the same hold has the same name everywhere.
 */
function mask(value: Json, ids: Map<string, string>, path = '$'): Json {
  if (Array.isArray(value)) return value.map((v, i) => mask(v, ids, `${path}[${i}]`));
  if (typeof value === 'string' && UUID.test(value)) {
    if (!ids.has(value)) ids.set(value, `<hold ${ids.size + 1}>`);
    return ids.get(value)!;
  }
  if (value === null || typeof value !== 'object') return value;
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(value)) {
    if (k in ADDED_SINCE && isDeepStrictEqual(v, ADDED_SINCE[k])) continue;
    if (TIME_KEYS.has(k)) {
      if (typeof v !== 'string' || !TIMESTAMP.test(v))
        throw new Error(`${path}.${k} = ${JSON.stringify(v)}`);
      out[k] = '<time>';
    } else out[k] = mask(v, ids, `${path}.${k}`);
  }
  return out;
}

// The fixture's rows are written as the functions' own (one transaction: the statements of one
// query), so that no database records them as external writes: the baselines predate that.
const SETUP = `
  select set_config('stockwire.writer', 'fixture', true);
  -- The locations the batches name, where the schema has them (the baselines have none).
  do $$ begin
    if to_regclass('public.locations') is not null then
      execute $q$insert into public.locations (id, name)
        select l, l from unnest(array['main', 'mall', 'side', 'north', 'south', 'east', 'west']) l$q$;
    end if;
  end $$;
  insert into public.products (id, name, low_stock_threshold) values
    ('hot', 'Hot', 10), ('calm', 'Calm', 5), ('zero', 'No threshold', 0), ('held', 'Held', 3),
    ('due', 'Holds due', 4), ('big', 'Near the top', 10), ('fresh', 'No rows yet', 2);
  insert into public.products (id, name, low_stock_threshold)
    select 'r' || i, 'Random ' || i, i % 7 from generate_series(1, 12) i;
  insert into public.stock_levels (product_id, location, on_hand, reserved) values
    ('hot', 'main', 12, 0), ('hot', 'mall', 3, 0), ('calm', 'main', 100, 0), ('zero', 'main', 1, 0),
    ('held', 'main', 10, 8), ('due', 'main', 9, 6), ('due', 'mall', 4, 4), ('big', 'main', 2147483640, 0);
  insert into public.stock_levels (product_id, location, on_hand)
    select 'r' || i, l, (i * 7 + length(l)) % 25 from generate_series(1, 12) i, unnest(array['main', 'mall']) l;
  insert into public.reservations (id, product_id, location, quantity, expires_at, store) values
    ('00000000-0000-4000-8000-000000000001', 'held', 'main', 8, now() + interval '1 hour', 'check'),
    ('00000000-0000-4000-8000-000000000002', 'due', 'main', 2, now() - interval '1 minute', 'check'),
    ('00000000-0000-4000-8000-000000000003', 'due', 'main', 4, now() - interval '2 minutes', 'check'),
    ('00000000-0000-4000-8000-000000000004', 'due', 'mall', 4, now() - interval '1 minute', 'check');
  insert into public.idempotency_keys (key, scope, request_hash, result, expires_at) values
    ('k-old', 'POST /x', 'h1', '{"ok": true}', now() - interval '1 second'),
    ('k-used', 'POST /x', 'h1', '{"ok": true, "kept": 1}', now() + interval '1 day');
`;

const TABLES: Record<string, string> = {
  stock_levels:
    'select product_id, location, on_hand, reserved, version from public.stock_levels order by 1, 2',
  inventory_events: `select id, product_id, location, update_type, change, previous_quantity, new_quantity,
      version, request_id, store, actor, order_id, reservation_id from public.inventory_events order by id`,
  // Per row in id order; the ids themselves may interleave differently across rows.
  stock_alerts: `select product_id, location, kind, available, on_hand, reserved, threshold, version
      from public.stock_alerts order by product_id, location, id`,
  // In the order they were made: each call makes one at most. The fixture's holds share one
  // created_at, two of them at one row: their quantities tell them apart, where the heap order
  // (which vacuum may change in one database and not the other) would not.
  reservations: `select id, product_id, location, quantity, status, client_id, order_id, store
      from public.reservations order by created_at, product_id, location, quantity, id`,
  orders: 'select order_id, lines, store from public.orders order by order_id',
  idempotency_keys: `select key, scope, request_hash, result, response_status, response_body
      from public.idempotency_keys order by key`,
};

const idem = (key: string, hash = 'h1') => ({
  key,
  scope: 'POST /x',
  hash,
  ttl_seconds: 3600,
});
const ch = (
  product_id: Json,
  location: Json,
  change: Json,
  update_type: Json,
  extra: Record<string, Json> = {},
) => ({ product_id, location, change, update_type, store: 'check', request_id: 'rq', ...extra });

/** Hand-made batches: every branch of the contract. Each is one call. */
const CASES: [string, Json][] = [
  ['empty', []],
  ['one sale', [ch('calm', 'main', -3, 'sale')]],
  [
    'hot row crossing both ways many times',
    [
      ch('hot', 'main', -3, 'sale'),
      ch('hot', 'main', 1, 'restock'),
      ch('hot', 'main', -1, 'damage'),
      ch('hot', 'main', -1, 'sale'),
      ch('hot', 'main', 5, 'return'),
      ch('hot', 'main', -20, 'sale'),
      ch('hot', 'main', -4, 'adjustment'),
      ch('calm', 'main', -96, 'sale'),
      ch('hot', 'main', 2, 'adjustment'),
      ch('hot', 'mall', 20, 'restock'),
      ch('hot', 'main', -10, 'sale'),
      ch('calm', 'main', 50, 'restock'),
    ],
  ],
  [
    'refusals and invalid changes',
    [
      ch('calm', 'main', -1000, 'sale'),
      ch('nope', 'main', -1, 'sale'),
      ch('calm', 'main', 0, 'adjustment'),
      ch('calm', 'main', 2, 'sale'),
      ch('calm', 'main', -2, 'restock'),
      ch('calm', 'main', -2, 'return'),
      ch('calm', 'main', 2, 'damage'),
      ch('calm', 'main', 2, 'stolen'),
      ch('calm', 'main', 2, null),
      ch('calm', 'main', null, 'sale'),
      ch('calm', 'main', '3', 'restock'),
      ch(null, null, -1, 'sale'),
      42,
      null,
      'text',
      [1, 2],
      ch('zero', 'main', -1, 'sale'),
      ch('zero', 'main', -1, 'sale'),
      ch('zero', 'main', 1, 'return'),
    ],
  ],
  [
    'new rows, made and refused',
    [
      ch('fresh', 'north', -1, 'sale'),
      ch('fresh', 'north', 4, 'restock'),
      ch('fresh', 'north', -3, 'sale'),
      ch('fresh', 'north', -3, 'sale'),
      ch('fresh', 'south', 1, 'adjustment'),
      ch('calm', 'north', 2, 'restock'),
    ],
  ],
  [
    'integer range',
    [
      ch('big', 'main', 10, 'restock'),
      ch('big', 'main', 7, 'restock'),
      ch('big', 'main', 1, 'restock'),
      ch('big', 'main', -2147483647, 'adjustment'),
      ch('fresh', 'east', 2147483647, 'restock'),
      ch('fresh', 'east', 1, 'restock'),
    ],
  ],
  [
    'reserved stock and holds past their time',
    [
      ch('held', 'main', -3, 'sale'),
      ch('held', 'main', -2, 'sale'),
      ch('due', 'main', -9, 'sale'),
      ch('due', 'main', -2, 'sale'),
      ch('due', 'main', 1, 'restock'),
      ch('due', 'mall', -5, 'sale'),
      ch('due', 'mall', -1, 'sale'),
    ],
  ],
  [
    'idempotency keys',
    [
      ch('calm', 'main', -1, 'sale', { idempotency: idem('k1') }),
      ch('calm', 'main', -1, 'sale', { idempotency: idem('k1') }),
      ch('calm', 'main', -1, 'sale', { idempotency: idem('k1', 'h2') }),
      ch('calm', 'main', -1, 'sale', { idempotency: null }),
      ch('calm', 'main', -1000, 'sale', { idempotency: idem('k2') }),
      ch('calm', 'main', -1, 'sale', { idempotency: idem('k-old') }),
      ch('calm', 'main', -1, 'sale', { idempotency: idem('k-used') }),
      ch('nope', 'main', -1, 'sale', { idempotency: idem('k3') }),
      ch('fresh', 'west', 3, 'restock', { idempotency: idem('k4') }),
      ch('hot', 'mall', -1, 'sale', { idempotency: idem('k5'), actor: 'key:a' }),
      ch('hot', 'mall', -1, 'sale', { actor: 'user:b', store: null }),
    ],
  ],
  [
    'replays in a later batch',
    [
      ch('calm', 'main', -1, 'sale', { idempotency: idem('k1') }),
      ch('calm', 'main', 'not a number', 'sale', { idempotency: idem('k2') }),
      ch('hot', 'mall', -1, 'sale', { idempotency: idem('k5', 'other') }),
    ],
  ],
  [
    'bad change value fails the call',
    [ch('calm', 'main', -1, 'sale'), ch('calm', 'main', 'x', 'sale')],
  ],
  [
    'too big fails the call',
    [ch('calm', 'main', -1, 'sale'), ch('calm', 'main', 2 ** 31, 'restock')],
  ],
  ['not an array', { product_id: 'calm' }],
];

/** Random batches over few rows: hot rows, crossings, refusals, new rows, keys reused. */
function randomBatches(count: number): Json[] {
  const next = random(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(next() * xs.length)]!;
  const types = ['sale', 'damage', 'restock', 'return', 'adjustment'];
  return Array.from({ length: count }, (_, b) => {
    const rows = Array.from({ length: 1 + Math.floor(next() * 4) }, () => [
      next() < 0.05 ? 'ghost' : `r${1 + Math.floor(next() * 12)}`,
      next() < 0.1 ? pick(['main', 'mall', 'side']) : pick(['main', 'mall']),
    ]);
    return Array.from({ length: 1 + Math.floor(next() * 40) }, (_, i) => {
      const [product, location] = pick(rows);
      const type = next() < 0.03 ? 'bogus' : pick(types);
      const size = 1 + Math.floor(next() * 8);
      const sign =
        type === 'adjustment' ? pick([-1, 1]) : ['sale', 'damage'].includes(type) ? -1 : 1;
      const key: Record<string, Json> =
        next() < 0.08
          ? { idempotency: idem(`rk${Math.floor(next() * 30)}`, pick(['h1', 'h2'])) }
          : {};
      return ch(product!, location!, next() < 0.02 ? 0 : sign * size, type, {
        request_id: `b${b}-${i}`,
        ...key,
      });
    });
  });
}

/**
 * Holds placed and ended, and orders placed, between random batches: through the other functions
 * that move stock, identically in every database.
 */
async function holdsStep(db: pg.Client, step: number): Promise<Json> {
  const id = `10000000-0000-4000-8000-${String(step).padStart(12, '0')}`;
  const product = `r${1 + (step % 12)}`;
  const location = step % 2 ? 'main' : 'mall';
  const one = async (sql: string, args: unknown[]) =>
    (await db.query<{ r: Json }>(sql, args)).rows[0]?.r ?? null;
  // A hold of 1 already past its time (so the next change there releases it), or a live one.
  const out: Json[] = [
    await one(
      `with row as (
         update public.stock_levels set reserved = reserved + 1, version = version + 1
          where product_id = $1 and location = $2 and on_hand > reserved returning 1)
       insert into public.reservations (id, product_id, location, quantity, expires_at, store)
       select $3, $1, $2, 1, now() + case when $4 then interval '-1 minute' else interval '1 hour' end, 'check'
         from row
       returning to_jsonb(id) as r`,
      [product, location, id, step % 3 !== 0],
    ),
  ];
  if (step % 5 === 0)
    out.push(
      await one(
        `select public.finish_reservation(jsonb_build_object('reservation_id', $1::text, 'action', $2::text, 'store', 'check')) as r`,
        [id, step % 10 === 0 ? 'commit' : 'release'],
      ),
    );
  if (step % 7 === 0) out.push(await one(`select public.expire_reservations(2, 'check') as r`, []));
  if (step % 3 === 0) {
    // A hold through reserve_stock: past its time already (negative ttl) or live.
    const hold = {
      product_id: `r${1 + ((step * 5) % 12)}`,
      location: step % 4 ? 'main' : 'mall',
      quantity: 1 + (step % 3),
      ttl_seconds: step % 2 ? -60 : 3600,
      client_id: `client-${step}`,
      store: 'check',
    };
    out.push(await one('select public.reserve_stock($1::jsonb) as r', [JSON.stringify([hold])]));
  }
  if (step % 4 === 1) {
    // Orders, some of them again (duplicates), some with a line too big (nothing taken).
    const order = {
      order_id: `o${step % 40}`,
      store: 'check',
      lines: [
        { product_id: product, location: 'main', quantity: 1 + (step % 4) },
        {
          product_id: `r${1 + ((step * 7) % 12)}`,
          location: 'mall',
          quantity: step % 11 ? 1 : 1000,
        },
      ],
    };
    out.push(await one('select public.place_order($1::jsonb) as r', [JSON.stringify(order)]));
  }
  return out;
}

async function call(db: pg.Client, batch: Json): Promise<Json> {
  await db.query('begin');
  try {
    const { rows } = await db.query<{ r: Json }>(
      'select public.apply_stock_changes($1::jsonb) as r',
      [JSON.stringify(batch)],
    );
    await db.query('commit');
    const out = rows[0]!.r;
    if (!Array.isArray(out) || out.length !== (batch as Json[]).length)
      throw new Error('result count');
    return out;
  } catch (error) {
    await db.query('rollback');
    const e = error as { code?: string; message?: string };
    return { error: `${e.code}: ${e.message}` };
  }
}

function firstDifference(a: Json, b: Json, path = '$'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, Json>)[k] ?? (k in a ? null : '<absent>'),
        (b as Record<string, Json>)[k] ?? (k in b ? null : '<absent>'),
        `${path}.${k}`,
      );
      if (d) return d;
    }
  }
  return `${path}: before ${JSON.stringify(a)?.slice(0, 300)} / now ${JSON.stringify(b)?.slice(0, 300)}`;
}

interface Side {
  name: string;
  database: ScratchDatabase;
  client: pg.Client;
  ids: Map<string, string>;
}

async function side(name: string, before?: string): Promise<Side> {
  const database = await scratchDatabase('sw_apply_changes');
  await migrate(database.url, join(PROJECT_ROOT, 'supabase'), before ? { before } : {});
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(SETUP);
  return { name, database, client, ids: new Map() };
}

async function tables(s: Side): Promise<Json> {
  const out: Record<string, Json> = {};
  for (const [name, sql] of Object.entries(TABLES))
    out[name] = mask((await s.client.query(sql)).rows as Json, s.ids);
  return out;
}

describe('apply_stock_changes against the versions it replaced', () => {
  it('gives the same results and leaves the same rows, call after call', async () => {
    const sides: Side[] = [];
    try {
      for (const [name, before] of Object.entries(BASELINES)) sides.push(await side(name, before));
      const now = await side('now');
      const steps: [string, boolean, (db: pg.Client) => Promise<Json>][] = [
        ...CASES.map(([label, batch]): [string, boolean, (db: pg.Client) => Promise<Json>] => [
          label,
          true,
          (db) => call(db, batch),
        ]),
        ...randomBatches(RANDOM_BATCHES).flatMap(
          (batch, i): [string, boolean, (db: pg.Client) => Promise<Json>][] => [
            [`random batch ${i}`, false, (db) => call(db, batch)],
            [`holds and orders ${i}`, i % TABLES_EVERY === 0, (db) => holdsStep(db, i)],
          ],
        ),
      ];
      steps.push(['the end', true, () => Promise.resolve(null)]);
      const differences: string[] = [];
      let results = 0;
      for (const [label, compareTables, step] of steps) {
        const expected = mask(await step(now.client), now.ids);
        results += Array.isArray(expected) ? expected.length : 1;
        for (const baseline of sides) {
          const got = mask(await step(baseline.client), baseline.ids);
          const diff =
            firstDifference(got, expected) ??
            (compareTables ? firstDifference(await tables(baseline), await tables(now)) : null);
          if (diff) differences.push(`after "${label}", against ${baseline.name}: ${diff}`);
        }
      }
      sides.push(now);
      expect(differences.slice(0, 5)).toEqual([]);
      // The steps did reach every kind of row and result.
      const final = (await tables(now)) as Record<string, Json[]>;
      expect(results).toBeGreaterThan(2000);
      for (const [name, rows] of Object.entries(final))
        expect(rows.length, name).toBeGreaterThan(5);
    } finally {
      for (const s of sides) await s.client.end();
      await Promise.all(sides.map((s) => s.database.drop()));
    }
  });

  it('refuses a change at a location that is missing, malformed or inactive alone, its neighbours applied', async () => {
    const now = await side('now');
    try {
      await now.client.query(
        `insert into public.locations (id, name, active) values ('shut', 'Shut', false)`,
      );
      const out = (await call(now.client, [
        ch('calm', 'main', -1, 'sale'),
        ch('calm', 'no good', 1, 'restock'),
        ch('calm', 'nowhere', 1, 'restock'),
        ch('calm', 'shut', 1, 'restock'),
        ch('calm', 'main', 1, 'restock'),
      ])) as { ok: boolean; code: string | null }[];
      expect(out.map((r) => [r.ok, r.code])).toEqual([
        [true, null],
        [false, 'location_not_found'],
        [false, 'location_not_found'],
        [false, 'location_inactive'],
        [true, null],
      ]);
      const { rows } = await now.client.query(
        `select location, on_hand, version from public.stock_levels where product_id = 'calm' order by 1`,
      );
      expect(rows).toEqual([{ location: 'main', on_hand: 100, version: '3' }]);
    } finally {
      await now.client.end();
      await now.database.drop();
    }
  });

  it('lets overlapping batches, holds and orders from several connections finish, every row explained', async () => {
    const database = await scratchDatabase('sw_apply_changes');
    const clients: pg.Client[] = [];
    try {
      await migrate(database.url, join(PROJECT_ROOT, 'supabase'));
      const connect = async () => {
        const c = new pg.Client({ connectionString: database.url });
        await c.connect();
        clients.push(c);
        return c;
      };
      const setup = await connect();
      await setup.query(`select public.create_product(jsonb_build_object('id', 'c' || i, 'name', 'C', 'low_stock_threshold', 5,
          'stock', jsonb_build_object('a', 20, 'b', 20, 'c', 20), 'store', 'check')) from generate_series(1, 6) i`);
      const workers = await Promise.all(Array.from({ length: 6 }, connect));
      const failures: string[] = [];
      let calls = 0;
      const until = Date.now() + CONCURRENCY_MS;
      await Promise.all(
        workers.map(async (db, n) => {
          const next = random(100 + n);
          const key = () => [
            `c${1 + Math.floor(next() * 6)}`,
            ['a', 'b', 'c'][Math.floor(next() * 3)]!,
          ];
          while (Date.now() < until) {
            try {
              const r = next();
              if (r < 0.7) {
                const batch = Array.from({ length: 1 + Math.floor(next() * 48) }, () => {
                  const [p, l] = key();
                  const sale = next() < 0.55;
                  return ch(
                    p!,
                    l!,
                    (sale ? -1 : 1) * (1 + Math.floor(next() * 4)),
                    sale ? 'sale' : 'restock',
                  );
                });
                await db.query('select public.apply_stock_changes($1::jsonb)', [
                  JSON.stringify(batch),
                ]);
              } else if (r < 0.9) {
                const holds = Array.from({ length: 1 + Math.floor(next() * 4) }, () => {
                  const [p, l] = key();
                  return {
                    product_id: p,
                    location: l,
                    quantity: 1 + Math.floor(next() * 3),
                    ttl_seconds: next() < 0.5 ? 0.05 : 60,
                    store: 'check',
                  };
                });
                await db.query('select public.reserve_stock($1::jsonb)', [JSON.stringify(holds)]);
              } else {
                const lines = Array.from({ length: 1 + Math.floor(next() * 3) }, () => {
                  const [p, l] = key();
                  return { product_id: p, location: l, quantity: 1 };
                });
                await db.query('select public.place_order($1::jsonb)', [
                  JSON.stringify({ order_id: `o${n}-${calls}`, lines, store: 'check' }),
                ]);
              }
              calls++;
            } catch (error) {
              failures.push(String(error));
            }
          }
        }),
      );
      expect(failures.slice(0, 5)).toEqual([]);
      expect(calls).toBeGreaterThan(100);
      // Every stock row is explained by its ledger (on hand) and its holds (reserved).
      const unexplained = await setup.query(`
        select s.product_id, s.location, s.on_hand, s.reserved, e.total, h.held
          from public.stock_levels s
          left join (select product_id, location, sum(change) as total from public.inventory_events group by 1, 2) e
            using (product_id, location)
          left join (select product_id, location, sum(quantity) as held from public.reservations
                      where status = 'held' group by 1, 2) h using (product_id, location)
         where s.on_hand <> coalesce(e.total, 0) or s.reserved <> coalesce(h.held, 0)`);
      expect(unexplained.rows).toEqual([]);
      // Alerts alternate per row, starting from the side the row was made on (above 5).
      const outOfTurn = await setup.query(`
        select product_id, location from (
          select product_id, location, kind, lag(kind) over (partition by product_id, location order by id) as prev,
                 row_number() over (partition by product_id, location order by id) as n
            from public.stock_alerts) a
         where (n = 1 and kind <> 'low_stock') or kind = prev`);
      expect(outOfTurn.rows).toEqual([]);
    } finally {
      for (const c of clients) await c.end();
      await database.drop();
    }
  });
});
