import { z } from 'zod';
import { LocationSchema } from './ids.js';

/** What a location is: a store sells, a warehouse holds stock for the stores. */
export const LOCATION_KINDS = ['store', 'warehouse'] as const;
export const LocationKindSchema = z.enum(LOCATION_KINDS);
export type LocationKind = z.infer<typeof LocationKindSchema>;

/**
 * A place stock is kept, as `GET /locations` lists it. Only an active location may be named by a
 * write; an inactive one keeps its stock rows and history.
 */
export const StockLocationSchema = z.object({
  id: LocationSchema,
  name: z.string().min(1).max(200),
  kind: LocationKindSchema,
  active: z.boolean(),
  created_at: z.string(),
});
export type StockLocation = z.infer<typeof StockLocationSchema>;

const LocationNameSchema = z.string().trim().min(1).max(200);

/** Body of `POST /locations`. */
export const CreateLocationRequestSchema = z.strictObject({
  id: LocationSchema,
  name: LocationNameSchema,
  kind: LocationKindSchema.default('store'),
});
export type CreateLocationRequest = z.infer<typeof CreateLocationRequestSchema>;

/** Body of `PATCH /locations/{id}`: what to change, at least one of the two. */
export const UpdateLocationRequestSchema = z
  .strictObject({
    name: LocationNameSchema.optional(),
    active: z.boolean().optional(),
  })
  .refine((body) => body.name !== undefined || body.active !== undefined, {
    message: 'give name, active or both',
    path: ['name'],
  });
export type UpdateLocationRequest = z.infer<typeof UpdateLocationRequestSchema>;

export const LocationIdParamsSchema = z.object({ id: LocationSchema });
