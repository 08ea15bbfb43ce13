import { describeFieldErrors, ERROR_CODES, fieldErrors, StockwireError } from '@stockwire/domain';
import type { z } from 'zod';

/** Parses request input with a domain schema; failures become a 400 naming each field. */
export function parse<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  /** The field's name, for a value that is one field as a whole (a header, a param). */
  field?: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields = field
    ? { [field]: result.error.issues.map((i) => i.message) }
    : fieldErrors(result.error);
  throw new StockwireError(
    ERROR_CODES.VALIDATION_FAILED,
    `Invalid ${what}: ${describeFieldErrors(fields)}`,
    {
      fields,
    },
  );
}
