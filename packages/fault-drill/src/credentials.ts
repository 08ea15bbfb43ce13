import { randomBytes } from 'node:crypto';

/** The admin key the drill's stores accept and its writes carry: made anew for each drill run. */
export const DRILL_KEY = `drill_${randomBytes(24).toString('base64url')}`;

/** What the drill's store processes are configured with. */
export const DRILL_API_KEYS = `drill-admin:admin:${DRILL_KEY}`;

/** The header the drill's writes carry. */
export const AUTHORIZATION = { authorization: `Bearer ${DRILL_KEY}` } as const;
