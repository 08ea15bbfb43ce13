import type { RequestHandler } from 'express';

/**
 * Headers every response carries. The API answers JSON only: a browser must never sniff it into
 * something it would run.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
};

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set(SECURITY_HEADERS);
  next();
};
