import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** Where a webhook may never be sent, unless private addresses are allowed. */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(net, prefix, 'ipv6');

/** Why an address is refused, or null when a webhook may go there. */
export function addressRefusal(address: string): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = isIP(ip);
  if (family === 0) return `${address} is not an IP address`;
  return BLOCKED.check(ip, family === 4 ? 'ipv4' : 'ipv6')
    ? `resolves to ${address}, a loopback, private or link-local address`
    : null;
}

/** The host of a URL as `net` takes it: an IPv6 literal without its brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** An address a webhook may not go to, found when connecting: the attempt fails, not the store. */
export class AddressNotAllowedError extends Error {
  readonly code = 'EADDRNOTALLOWED';
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * Decides where webhooks may go: `http(s)` only, and, unless `allowPrivate`, never to a loopback,
 * private or link-local address — checked when an endpoint is saved and again on every
 * connection, on the addresses DNS answered then (the connection uses the address checked, so a
 * name that changes its answer between the two cannot slip through).
 */
export class AddressGuard {
  constructor(private readonly allowPrivate: boolean) {}

  /** Why this URL is refused, or null. Resolves its host name to check every address. */
  async refusal(raw: string): Promise<string | null> {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be http or https';
    if (this.allowPrivate) return null;
    const host = hostOf(url);
    if (isIP(host)) return addressRefusal(host);
    try {
      const addresses = await new Promise<LookupAddress[]>((resolve, reject) => {
        dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found)));
      });
      for (const { address } of addresses) {
        const refused = addressRefusal(address);
        if (refused) return refused;
      }
      return null;
    } catch {
      return `host ${host} does not resolve`;
    }
  }

  /** Refuses a URL whose host is an IP literal it may not reach (those are never looked up). */
  literalRefusal(url: URL): string | null {
    const host = hostOf(url);
    return this.allowPrivate || !isIP(host) ? null : addressRefusal(host);
  }

  /** A `lookup` for `http.request` that refuses what {@link refusal} refuses, on every connect. */
  readonly lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, found) => {
      if (error) return callback(error, []);
      const allowed = this.allowPrivate
        ? found
        : found.filter(({ address }) => addressRefusal(address) === null);
      if (allowed.length === 0) {
        const refused = addressRefusal(found[0]?.address ?? '') ?? 'no address';
        return callback(new AddressNotAllowedError(`${hostname} ${refused}`), []);
      }
      if (options.all) return callback(null, allowed);
      const first = allowed[0]!;
      callback(null, first.address, first.family);
    });
  };
}
