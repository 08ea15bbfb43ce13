/**
 * `npm run bench`: starts the local stack and three stores (child processes), drives them from a
 * separate load-generator process, and puts every figure beside a baseline measured in the same
 * run on the same machine. Writes bench/results/{results,quick}.{json,md,png} and prints the table.
 * Each phase is a file of bench/phases; this file runs them in order and writes what they found.
 *
 *   npm run bench                      full run, a few minutes
 *   npm run bench -- --quick           smoke run, under a minute (CI)
 *   npm run bench -- --only reads      some phases: idle, connections, reads, writes, fanout,
 *                                      external, recovery
 *   npm run bench -- --profile         stores write V8 CPU profiles (.data/bench/profiles)
 *   npm run bench -- --chain           a chain's size on one store (phases/chain.ts) and the
 *                                      anti-entropy check at 1 M stock rows → bench/results/chain.*
 *                                      --sockets, --rate, --seconds, --products, --locations,
 *                                      --digest-rows (0: none) scale it down for development
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import { z } from 'zod';
import { renderChart } from './lib/chart.js';
import { Cleanups } from './lib/cleanups.js';
import { fmt, toMarkdown, toText, type BenchReport } from './lib/report.js';
import { measureDigests, type DigestFigures } from './sql/digest.js';
import { caches } from './phases/caches.js';
import { chain, CHAIN } from './phases/chain.js';
import { createCatalogue } from './phases/catalogue.js';
import { connections } from './phases/connections.js';
import { say, startBench, type PhaseResult } from './phases/context.js';
import { external } from './phases/external.js';
import { fanout } from './phases/fanout.js';
import { idle } from './phases/idle.js';
import { ledger } from './phases/ledger.js';
import { reads } from './phases/reads.js';
import { recovery } from './phases/recovery.js';
import { SIZES } from './phases/sizes.js';
import { writes } from './phases/writes.js';

const PHASES = [
  'idle',
  'connections',
  'reads',
  'writes',
  'fanout',
  'external',
  'recovery',
] as const;

const count = (min: number) => z.coerce.number().int().min(min);

const ArgsSchema = z.object({
  quick: z.boolean(),
  profile: z.boolean(),
  chain: z.boolean(),
  sockets: count(1).default(CHAIN.sockets),
  rate: count(1).default(CHAIN.rate),
  seconds: count(1).default(CHAIN.seconds),
  products: count(1).default(CHAIN.products),
  locations: count(1).default(CHAIN.locations),
  'digest-rows': count(0).default(1_000_000),
  only: z
    .string()
    .optional()
    .transform((s) => (s === undefined ? [...PHASES] : s.split(',').map((x) => x.trim())))
    .pipe(z.array(z.enum(PHASES)).min(1)),
});

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    only: { type: 'string' },
    chain: { type: 'boolean', default: false },
    sockets: { type: 'string' },
    rate: { type: 'string' },
    seconds: { type: 'string' },
    products: { type: 'string' },
    locations: { type: 'string' },
    'digest-rows': { type: 'string' },
  },
});
const args = ArgsSchema.parse(values);
const RESULTS_DIR = join(PROJECT_ROOT, 'bench', 'results');

const cleanups = new Cleanups(say);
process.on('SIGINT', () => void cleanups.run().then(() => process.exit(130)));

/** The anti-entropy check's figures, as the chain's report shows them. */
function digestResult(d: DigestFigures): PhaseResult {
  const rows = `${(d.products * d.locations).toLocaleString('en')} stock rows`;
  const before = {
    label: 'inventory_digest(), the whole-table check before',
    value: d.full.wallMs,
    unit: 'ms',
    detail: `${fmt(d.full.cpuMs)} ms CPU`,
  };
  const cpu = (t: { cpuMs: number }) => `${fmt(t.cpuMs)} ms of Postgres CPU`;
  return {
    figures: [
      {
        section: 'Chain',
        label: `anti-entropy check, nothing differs (${rows})`,
        value: d.quiet.wallMs,
        unit: 'ms',
        detail: cpu(d.quiet),
        baseline: before,
        ratio: d.quiet.wallMs / d.full.wallMs,
      },
      {
        section: 'Chain',
        label: `anti-entropy check, one bucket differs and is read again (${rows})`,
        value: d.repair.wallMs,
        unit: 'ms',
        detail: cpu(d.repair),
        baseline: before,
        ratio: d.repair.wallMs / d.full.wallMs,
      },
      {
        section: 'Chain',
        label: `anti-entropy check after ${d.pending.toLocaleString('en')} changes (${rows})`,
        value: d.afterWrites.wallMs,
        unit: 'ms',
        detail: cpu(d.afterWrites),
        baseline: before,
        ratio: d.afterWrites.wallMs / d.full.wallMs,
      },
      {
        section: 'Chain',
        label: 'Postgres CPU per change, with the digest trigger',
        value: d.writeCpuMs.withTrigger,
        unit: 'ms',
        baseline: { label: 'without it', value: d.writeCpuMs.withoutTrigger, unit: 'ms' },
        ratio: d.writeCpuMs.withTrigger / d.writeCpuMs.withoutTrigger,
      },
    ],
    checks: {},
  };
}

async function main(): Promise<number> {
  let broken = 0;
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const runs = (phase: (typeof PHASES)[number]) => args.only.includes(phase);
  say(args.chain ? 'chain run' : `${args.quick ? 'quick' : 'full'} run: ${args.only.join(', ')}`);
  const ctx = await startBench({
    quick: args.quick,
    profile: args.profile,
    size: args.quick ? SIZES.quick : SIZES.full,
    cleanups,
  });

  const loadAtStart = loadavg();
  const results: PhaseResult[] = [];
  let digests: DigestFigures | null = null;
  if (args.chain) {
    results.push(await chain(ctx, args));
    await cleanups.run();
    // On a database of its own, once the stack is gone: a million stock rows.
    const rows = args['digest-rows'];
    if (rows > 0) {
      say(`anti-entropy check at ${rows.toLocaleString('en')} stock rows…`);
      const products = Math.min(1000, rows);
      digests = await measureDigests({
        products,
        locations: Math.ceil(rows / products),
        reps: 3,
        dataDir: 'bench-chain-sql',
        log: (line) => say(`  ${line}`),
      });
      results.push(digestResult(digests));
    }
  } else {
    // Idle memory first, before any load has grown the stores' heaps or warmed the machine.
    if (runs('idle')) results.push(await idle(ctx));
    // Connections first, while the catalogue (sent to every client on connect) is the seed's.
    if (runs('connections')) results.push(await connections(ctx));
    const ledgerFrom = await createCatalogue(ctx);
    if (runs('reads')) results.push(await reads(ctx));
    if (runs('writes')) results.push(await writes(ctx));
    if (runs('fanout')) results.push(await fanout(ctx));
    if (runs('external')) results.push(await external(ctx));
    const cached = await caches(ctx);
    results.push(cached);
    if (runs('recovery')) results.push(await recovery(ctx));
    const checked = await ledger(ctx, { from: ledgerFrom, staleRows: cached.staleRows });
    results.push(checked);
    await cleanups.run();
    broken = checked.broken;
  }
  const loadAtEnd = loadavg();

  const cpu = ctx.meter.toCores();
  const checks: BenchReport['checks'] = {};
  for (const r of results) Object.assign(checks, r.checks);
  const others = cpu.map((r) => r.cores.others ?? 0);
  const avgOthers = others.length ? others.reduce((a, b) => a + b, 0) / others.length : 0;
  const report: BenchReport = {
    title: args.chain ? 'Stockwire benchmark: a chain on one store' : 'Stockwire benchmark',
    mode: args.quick ? 'quick' : 'full',
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 2 ** 30,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
    },
    note:
      'Loopback only; load generator, stores, PostgREST, Postgres and Redis share the same cores, ' +
      'so every figure is beside a baseline measured in this run on this machine. ' +
      (avgOthers > 0.1
        ? `The machine was shared: processes outside this run used ${fmt(avgOthers)} cores on ` +
          'average meanwhile (see "rest of machine"), so figures are noisy and on the low side.'
        : 'Nothing else used the machine noticeably during the run.') +
      ` Load average (1, 5, 15 min) at the start ${loadAtStart.map(fmt).join(', ')}, at the end ${loadAtEnd.map(fmt).join(', ')}.` +
      (args.chain
        ? ` Chain: ${args.products} products × ${args.locations} locations, ${args.sockets} clients, ${args.rate} writes/s for ${args.seconds} s.`
        : ''),
    figures: results.flatMap((r) => r.figures),
    cpu,
    checks,
    raw: ctx.meter.raw,
  };
  await mkdir(RESULTS_DIR, { recursive: true });
  const base = join(RESULTS_DIR, args.chain ? 'chain' : args.quick ? 'quick' : 'results');
  await writeFile(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  await writeFile(`${base}.md`, toMarkdown(report));
  await writeFile(`${base}.png`, renderChart(report));
  console.log(`\n${toText(report)}\n`);
  console.log(
    Object.entries(checks)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join('\n'),
  );
  say(`wrote ${base}.{json,md,png} in ${fmt(report.durationSeconds)} s`);
  if (broken > 0) say(`CORRECTNESS FAILURE: ${broken} lost or mismatched updates`);
  return broken > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await cleanups.run();
    process.exit(1);
  },
);
