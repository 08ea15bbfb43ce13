import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  SimulateDurationSchema,
  SimulateRateSchema,
  StoresSchema,
  type ScriptEnv,
} from '../env.js';

export interface SimulateOptions {
  /** Actions per second across all stores. */
  rate: number;
  /** Seconds to run; 0 runs until Ctrl-C. */
  duration: number;
  /** Base URLs of the stores to act on. */
  urls: string[];
}

export const SIMULATE_USAGE = `npm run simulate -- [options]

Random purchases and restocks against running stores, through their HTTP API.

  --rate <n>          actions per second across all stores (SIMULATE_RATE; default 2)
  --duration <s>      seconds to run, 0 until Ctrl-C (SIMULATE_DURATION; default 60)
  --stores <list>     stores on this machine, name:port,... (STORES; default those of npm start)
  --url <url>         a store's base URL; repeat for several (instead of --stores)
  --help              this text`;

const FlagsSchema = z.object({
  rate: SimulateRateSchema,
  duration: SimulateDurationSchema,
  urls: z.array(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })).min(1),
});

/**
 * The simulator's options: flags first, then the environment (already validated in
 * `scripts/env.ts`). Throws naming every bad flag; returns null when `--help` was asked for.
 */
export function simulateOptions(argv: string[], env: ScriptEnv): SimulateOptions | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      stores: { type: 'string' },
      url: { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return null;
  let stores = env.STORES;
  if (values.stores !== undefined) {
    const parsed = StoresSchema.safeParse(values.stores);
    if (!parsed.success)
      throw new Error(`Invalid options:\n  --stores: ${parsed.error.issues[0]?.message}`);
    stores = parsed.data;
  }
  const result = FlagsSchema.safeParse({
    rate: values.rate ?? env.SIMULATE_RATE,
    duration: values.duration ?? env.SIMULATE_DURATION,
    urls: values.url ?? stores.map(({ port }) => `http://127.0.0.1:${port}`),
  });
  if (!result.success) {
    const flag = (field: unknown) => (field === 'urls' ? 'url' : String(field));
    const lines = result.error.issues.map((i) => `  --${flag(i.path[0])}: ${i.message}`);
    throw new Error(`Invalid options:\n${lines.join('\n')}`);
  }
  return result.data;
}
