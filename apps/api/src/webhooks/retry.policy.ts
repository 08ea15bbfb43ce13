import type { AttemptOutcome } from './webhook.store.js';
import type { SendResult } from './webhook.sender.js';

export interface RetryOptions {
  /** The wait after the first failed attempt; each later one doubles it. */
  baseMs: number;
  /** The longest wait between two attempts (before jitter). */
  maxMs: number;
  /** How long after it was queued a delivery is still tried; then it is failed. */
  windowMs: number;
}

/** What to do after an attempt: done, try again in `retryInMs`, or give up. */
export interface Decision {
  outcome: AttemptOutcome;
  retryInMs: number | null;
}

/** Whether an attempt's result is worth another: no answer in time, no connection, 5xx, 429. */
export function isRetryable(result: SendResult): boolean {
  if (result.refused) return false;
  if (result.status === null) return true;
  return result.status === 429 || result.status >= 500;
}

/**
 * The retry schedule: exponential backoff with full jitter over its upper half (so stores that
 * failed together do not retry together), at least what `Retry-After` asked, for as long as the
 * window lasts. `attempts` counts the one just made; `random` is in [0, 1).
 */
export function decide(
  result: SendResult,
  attempts: number,
  queuedAtMs: number,
  o: RetryOptions,
  now = Date.now(),
  random = Math.random,
): Decision {
  if (result.status !== null && result.status >= 200 && result.status < 300)
    return { outcome: 'delivered', retryInMs: null };
  if (!isRetryable(result)) return { outcome: 'failed', retryInMs: null };
  const backoff = Math.min(o.maxMs, o.baseMs * 2 ** Math.min(attempts - 1, 30));
  const jittered = Math.round(backoff / 2 + (random() * backoff) / 2);
  const wait = Math.max(jittered, result.retryAfterMs ?? 0);
  if (now + wait > queuedAtMs + o.windowMs) return { outcome: 'failed', retryInMs: null };
  return { outcome: 'retry', retryInMs: wait };
}
