import { createHmac, randomBytes } from 'node:crypto';

/** A new signing secret, as Standard Webhooks writes them: `whsec_` and 32 random bytes, base64. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The headers that sign one message (Standard Webhooks): id, timestamp in seconds, signature. */
export interface SignatureHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Signs `body` as Standard Webhooks does: `v1,` and the base64 HMAC-SHA256, keyed by the secret's
 * bytes, of `id.timestamp.body`. Verifiable with the `standardwebhooks` libraries.
 */
export function signWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string,
): SignatureHeaders {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key)
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': `v1,${signature}`,
  };
}
