import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

/** Which proxies are believed: `TRUST_PROXY` as the configuration parsed it. */
export type TrustProxy = boolean | number | string[];

/**
 * The client's address as Express's `req.ip` works it out (proxy-addr, with `trust proxy` set
 * to `trust`): the first address in `X-Forwarded-For` that did not come through a trusted proxy,
 * or the connection's own. A connection already gone has no address: `unknown`.
 */
export function clientAddress(trust: TrustProxy): (req: IncomingMessage) => string {
  const trusted =
    typeof trust === 'boolean'
      ? () => trust
      : typeof trust === 'number'
        ? (_address: string, hop: number) => hop < trust
        : proxyAddr.compile(trust);
  return (req) => proxyAddr(req, trusted) ?? 'unknown';
}
