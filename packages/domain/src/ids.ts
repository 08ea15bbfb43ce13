import { z } from 'zod';

/** A product identifier, e.g. `OLJCESPC7Z`. */
export type ProductId = string;
/** A stock location: a store or warehouse name, e.g. `main-store`. */
export type Location = string;
/** The name a store instance runs under; it is also its own default location. */
export type StoreName = Location;

export const ProductIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, - and _, at most 64 characters');

export const LocationSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'letters, digits, - and _, at most 64 characters');
