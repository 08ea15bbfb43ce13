import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '@stockwire/local-stack';
import { DRILL_API_KEYS } from './credentials.js';

export interface StoreProcessOptions {
  name: string;
  port: number;
  /** The store's environment (STORE_NAME and PORT are set from `name` and `port`). */
  env: Record<string, string>;
  /** Receives each line the store prints. */
  log?: (line: string) => void;
  /**
   * Sends what the store prints straight to this file (emptied at the first start) instead of
   * through this process, which relaying would cost CPU under load; `output` then stays empty.
   */
  logFile?: string;
  /** Node flags before the entry point, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /**
   * Runs the JavaScript `npm run build` wrote (`apps/api/dist/main.js`, as the Dockerfile does)
   * instead of the TypeScript through tsx.
   * @default false
   */
  compiled?: boolean;
}

/** The node arguments that run a store: its compiled JavaScript, or its TypeScript through tsx. */
export const storeEntry = (compiled: boolean): string[] =>
  compiled
    ? ['--conditions=compiled', join(PROJECT_ROOT, 'apps/api/dist/main.js')]
    : ['--import', 'tsx', join(PROJECT_ROOT, 'apps/api/src/main.ts')];

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One store as its own OS process (`node --import tsx apps/api/src/main.ts`), as it runs in
 * production: it can be killed, stopped and started again on the same port.
 */
export class StoreProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  /** How each run ended so far, in order. */
  readonly exits: Exit[] = [];
  /** The last lines the store printed, for diagnosis. */
  readonly output: string[] = [];
  private child: ChildProcess | null = null;
  private exited: Promise<Exit> | null = null;

  constructor(private readonly options: StoreProcessOptions) {
    this.name = options.name;
    this.port = options.port;
    this.url = `http://127.0.0.1:${options.port}`;
  }

  /** Whether the process is alive (it may still be starting). */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the store; resolves once `GET /ready` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    await this.launch();
    await this.waitUntilReady(timeoutMs);
  }

  /**
   * Spawns the store without waiting for it: it listens at once, and serves once Redis and the
   * database answer.
   */
  async launch(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    const { logFile, nodeFlags = [], compiled = false } = this.options;
    const log = logFile ? await open(logFile, this.exits.length === 0 ? 'w' : 'a') : null;
    const child = spawn(process.execPath, [...nodeFlags, ...storeEntry(compiled)], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        API_KEYS: DRILL_API_KEYS,
        ...this.options.env,
        STORE_NAME: this.name,
        PORT: String(this.port),
        HOST: '127.0.0.1',
      },
      stdio: log ? ['ignore', log.fd, log.fd] : ['ignore', 'pipe', 'pipe'],
    });
    await log?.close();
    this.child = child;
    const record = (data: Buffer) => {
      for (const line of data.toString().split('\n')) {
        if (!line) continue;
        this.output.push(line);
        if (this.output.length > 200) this.output.shift();
        this.options.log?.(line);
      }
    };
    child.stdout?.on('data', record);
    child.stderr?.on('data', record);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        const exit = { code, signal };
        this.exits.push(exit);
        resolve(exit);
      }),
    );
  }

  /** Resolves once `GET /ready` answers 200; throws if the store exits first, or after `timeoutMs`. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const { logFile } = this.options;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        const printed = logFile ? ` (see ${logFile})` : `:\n${this.output.join('\n')}`;
        throw new Error(`${this.name} exited while starting${printed}`);
      }
      if (await this.ready()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.name} was not ready after ${timeoutMs} ms`);
  }

  /** Whether `GET /ready` answers 200 now. */
  async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/ready`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Sends a signal (SIGKILL: a crash; SIGTERM: an orderly stop). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Resolves how the current run ended, once it has. */
  async waitForExit(): Promise<Exit> {
    if (!this.exited) throw new Error(`${this.name} was never started`);
    return this.exited;
  }

  /** Stops the store if it runs: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.waitForExit();
    clearTimeout(timer);
  }
}
