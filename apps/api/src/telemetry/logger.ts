import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino, type DestinationStream, type Level, type Logger as PinoLogger } from 'pino';
import { pinoHttp, type HttpLogger } from 'pino-http';
import pretty from 'pino-pretty';
import type { Logger } from '../app.js';
import { requestIdFrom } from '../http/request-id.js';

export type { PinoLogger };

/** `json`: one JSON object per line; `pretty`: coloured, human-readable lines. */
export type LogFormat = 'json' | 'pretty';

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

/** A logger that writes nothing. */
export function silentLogger(): PinoLogger {
  return pino({ enabled: false });
}

/** The `(message, error?)` {@link Logger} the code calls, writing to a pino logger. */
export function messageLogger(logger: PinoLogger): Logger {
  return (message, error) => {
    if (error === undefined) logger.info(message);
    else logger.error({ err: error }, message);
  };
}

/** Requests answered often and uninteresting to read: logged at debug level only. */
const QUIET_PATHS = new Set(['/metrics', '/health', '/ready']);

/** A request line's message: method, URL, status and time. */
const answeredLine = (method: string, url: string, status: number, ms: number) =>
  `${method} ${url} ${status} ${Math.round(ms)} ms`;

/** The message of a request line for a failed request. */
const failedLine = (method: string, url: string, status: number, error: Error) =>
  `${method} ${url} ${status} failed: ${error.message}`;

/**
 * Gives every request an id (the caller's `X-Request-Id` if sane, else a new UUID), echoes it in
 * the `X-Request-Id` response header, and logs one line per request with it. The same id is
 * recorded in the ledger for the changes the request makes.
 */
export function requestLogger(logger: PinoLogger): HttpLogger<IncomingMessage, ServerResponse> {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdFrom(req.headers['x-request-id']);
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (req, res, error) => {
      if (error !== undefined || res.statusCode >= 500) return 'error';
      return QUIET_PATHS.has((req.url ?? '').split('?')[0] ?? '') ? 'debug' : 'info';
    },
    customSuccessMessage: (req, res, ms) =>
      answeredLine(req.method ?? '', req.url ?? '', res.statusCode, ms),
    customErrorMessage: (req, res, error) =>
      failedLine(req.method ?? '', req.url ?? '', res.statusCode, error),
    // Only what identifies a request: headers may carry keys and cookies.
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url,
        remote_address: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
  });
}

/** A request answered outside Express, for {@link logRequest}. */
export interface RequestRecord {
  id: string;
  method: string;
  url: string;
  remoteAddress: string | undefined;
  status: number;
  ms: number;
}

/** The line {@link requestLogger} writes, for a request answered without Express. */
export function logRequest(logger: PinoLogger, r: RequestRecord): void {
  const fields = {
    req: { id: r.id, method: r.method, url: r.url, remote_address: r.remoteAddress },
    res: { status: r.status },
    responseTime: Math.round(r.ms),
  };
  if (r.status >= 500) {
    // As pino-http does for a 5xx answered without an error attached.
    const err = new Error(`failed with status code ${r.status}`);
    logger.error({ ...fields, err }, failedLine(r.method, r.url, r.status, err));
    return;
  }
  logger.info(fields, answeredLine(r.method, r.url, r.status, r.ms));
}
