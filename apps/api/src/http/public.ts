import { fileURLToPath } from 'node:url';

/** `apps/api/public`: the pages and browser scripts a store serves as they are. */
export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
