import { z } from 'zod';

const StoreSpec = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}:\d{1,5}$/,
    'each entry is name:port, e.g. main-store:3001',
  );

/** A list of stores on this machine, `name:port,...`, as `npm start` runs them. */
export const StoresSchema = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(StoreSpec).min(1))
  .transform((specs) =>
    specs.map((spec) => {
      const [name = '', port = ''] = spec.split(':');
      return { name, port: Number(port) };
    }),
  );

/** `npm run simulate`: actions per second across all stores. */
export const SimulateRateSchema = z.coerce
  .number()
  .positive('must be more than 0')
  .max(1000, 'must be at most 1000');
/** `npm run simulate`: seconds to run; 0 runs until Ctrl-C. */
export const SimulateDurationSchema = z.coerce
  .number()
  .min(0, 'must be 0 (until Ctrl-C) or more')
  .max(86_400, 'must be at most 86400 (a day)');

/** Environment of the project's scripts, parsed once: every bad variable is named. */
const ScriptEnvSchema = z.object({
  STORES: z
    .string()
    .default('main-store:3001,downtown-store:3002,mall-store:3003')
    .pipe(StoresSchema),
  SIMULATE_RATE: SimulateRateSchema.default(2),
  SIMULATE_DURATION: SimulateDurationSchema.default(60),
  SUPABASE_URL: z.url().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().min(20).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).optional(),
  API_KEYS: z.string().optional(),
  SIMULATOR_API_KEY: z.string().min(1).optional(),
  DASHBOARD_API_KEY: z.string().min(1).optional(),
  CORS_ORIGINS: z.string().optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTHENTICATOR_PASSWORD: z.string().min(1).optional(),
  POSTGREST_URL: z.url().optional(),
  SUPABASE_PORT: z.coerce.number().int().min(1).max(65535).default(54321),
  POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54322),
});
export type ScriptEnv = z.infer<typeof ScriptEnvSchema>;

export function scriptEnv(env: NodeJS.ProcessEnv = process.env): ScriptEnv {
  const parsed = ScriptEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (Boolean(parsed.data.SUPABASE_URL) !== Boolean(parsed.data.SUPABASE_SERVICE_ROLE_KEY)) {
    throw new Error(
      'Invalid configuration: set SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY together',
    );
  }
  return parsed.data;
}
