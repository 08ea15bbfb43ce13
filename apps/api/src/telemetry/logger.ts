import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { LogFormat, StoreConfig } from '../env.js';

export type { PinoLogger };

/** How the code reports what happened: a message, and the error behind it if any. */
export type Logger = (message: string, error?: unknown) => void;

export interface LoggerOptions {
  store: string;
  instanceId: string;
  /** @default 'info' */
  level?: Level;
  /** @default 'json' */
  format?: LogFormat;
  /** Where lines go. @default stdout */
  destination?: DestinationStream;
}

/** The store's structured logger: every line carries the store and instance it came from. */
export function createLogger(options: LoggerOptions): PinoLogger {
  const settings = {
    level: options.level ?? 'info',
    base: { store: options.store, instance_id: options.instanceId },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (options.format === 'pretty') {
    return pino(
      settings,
      pretty({
        colorize: true,
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,store,instance_id,req,res,responseTime,alert',
        messageFormat: (log, key) => {
          const req = log.req as { id?: unknown } | undefined;
          const id = typeof req?.id === 'string' ? ` (${req.id})` : '';
          return `[${String(log.store)}] ${String(log[key])}${id}`;
        },
        ...(options.destination ? { destination: options.destination } : {}),
      }),
    );
  }
  if (options.destination) return pino(settings, options.destination);
  // Lines are buffered and written in 4 KB chunks rather than one write per line: under load the
  // per-line writes cost a tenth of a store's CPU. What is buffered is written at least every
  // 200 ms, at once by `flush()`, and on exit.
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => stdout.flush(), 200).unref();
  return pino(settings, stdout);
}

/** The logger of a store configured like this: pino, JSON or pretty as configured. */
export function storeLogger(config: StoreConfig): PinoLogger {
  return createLogger({
    store: config.store.name,
    instanceId: config.store.instanceId,
    level: config.log.level,
    format: config.log.format,
  });
}

/** The `(message, error?)` {@link Logger} the code calls, writing to a pino logger. */
export function messageLogger(logger: PinoLogger): Logger {
  return (message, error) => {
    if (error === undefined) logger.info(message);
    else logger.error({ err: error }, message);
  };
}

/**
 * Whether a request's line is written at debug level only: a read that succeeded (they come by the
 * thousand a second, change nothing, and are counted in the metrics all the same). Writes, refusals
 * and failures are written at info or error.
 */
const isQuiet = (method: string, status: number) =>
  status < 400 && (method === 'GET' || method === 'HEAD');

/** A request line's message: method, URL, status and time. */
const answeredLine = (method: string, url: string, status: number, ms: number) =>
  `${method} ${url} ${status} ${Math.round(ms)} ms`;

/** The message of a request line for a failed request. */
const failedLine = (method: string, url: string, status: number, error: Error) =>
  `${method} ${url} ${status} failed: ${error.message}`;

/** An answered request, for {@link logRequest}. */
export interface RequestRecord {
  id: string;
  method: string;
  url: string;
  /** Worked out only for a line that is written. */
  remoteAddress: () => string;
  status: number;
  ms: number;
}

/**
 * One line per answered request, with its id (the same id is in the `X-Request-Id` header and the
 * ledger). Only what identifies a request is logged: headers may carry keys and cookies.
 */
export function logRequest(logger: PinoLogger, r: RequestRecord): void {
  const level = r.status >= 500 ? 'error' : isQuiet(r.method, r.status) ? 'debug' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const fields = {
    req: { id: r.id, method: r.method, url: r.url, remote_address: r.remoteAddress() },
    res: { status: r.status },
    responseTime: Math.round(r.ms),
  };
  if (r.status >= 500) {
    const err = new Error(`failed with status code ${r.status}`);
    logger.error({ ...fields, err }, failedLine(r.method, r.url, r.status, err));
    return;
  }
  logger[level](fields, answeredLine(r.method, r.url, r.status, r.ms));
}
