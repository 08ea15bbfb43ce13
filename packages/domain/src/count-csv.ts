import { z } from 'zod';
import { ERROR_CODES, StockwireError } from './errors.js';
import { LocationSchema, ProductIdSchema } from './ids.js';
import { COUNT_LINES_MAX, CountIdSchema, type CountLine, type CountRequest } from './counts.js';
import { MAX_QUANTITY, type ProductInventory } from './stock.js';

/** The media type of a count sent as CSV, and of `GET /inventory.csv`. */
export const CSV_TYPE = 'text/csv';

/** The columns a count in CSV starts with; more may follow (an export's), and are ignored. */
export const COUNT_CSV_COLUMNS = ['product_id', 'counted'] as const;

/** Query of `POST /counts` with a CSV body: what the JSON body carries besides its lines. */
export const CountCsvQuerySchema = z.strictObject({
  location: LocationSchema,
  count_id: CountIdSchema.optional(),
  all_or_nothing: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .default(true),
});

/** Query of `GET /inventory.csv`. */
export const InventoryCsvQuerySchema = z.strictObject({ location: LocationSchema });

/** The fields of one CSV record (RFC 4180: quoted fields may hold commas and doubled quotes). */
function fields(record: string): string[] | null {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const c = record[i];
    if (quoted && c === '"' && record[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && c === '"') {
      quoted = false;
    } else if (!quoted && c === '"' && field === '') {
      quoted = true;
    } else if (!quoted && c === ',') {
      out.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  if (quoted) return null;
  out.push(field);
  return out;
}

const csvError = (row: number, column: string, problem: string) =>
  new StockwireError(
    ERROR_CODES.VALIDATION_FAILED,
    `Invalid CSV: row ${row}, column ${column}: ${problem}`,
    { fields: { [`row ${row}.${column}`]: [problem] }, row, column },
  );

/**
 * A count's lines from CSV: a header `product_id,counted` (more columns may follow), then one
 * product a row. Rows are numbered as a spreadsheet shows them (the header is row 1); every
 * problem is a `validation_failed` naming its row and column.
 */
export function countLinesFromCsv(text: string): CountLine[] {
  const records = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (records.length > 0 && records.at(-1)?.trim() === '') records.pop();
  const header = fields(records[0] ?? '')?.map((h) => h.trim());
  if (!header || header[0] !== 'product_id' || header[1] !== 'counted') {
    throw csvError(1, 'header', 'must start with product_id,counted');
  }
  if (records.length < 2) throw csvError(2, 'product_id', 'no rows to count');
  if (records.length - 1 > COUNT_LINES_MAX) {
    throw csvError(COUNT_LINES_MAX + 2, 'product_id', `at most ${COUNT_LINES_MAX} rows`);
  }
  const seen = new Set<string>();
  return records.slice(1).map((record, i) => {
    const row = i + 2;
    const values = fields(record);
    if (!values) throw csvError(row, 'product_id', 'a quoted field is not closed');
    const [id = '', counted = ''] = values.map((v) => v.trim());
    if (!ProductIdSchema.safeParse(id).success)
      throw csvError(row, 'product_id', 'not a product id');
    if (seen.has(id)) throw csvError(row, 'product_id', `product ${id} is counted twice`);
    seen.add(id);
    if (!/^\d{1,10}$/.test(counted) || Number(counted) > MAX_QUANTITY) {
      throw csvError(row, 'counted', 'must be a whole number of 0 or more');
    }
    return { product_id: id, counted: Number(counted) };
  });
}

/** A count sent as CSV, with what its query says. */
export function countFromCsv(
  text: string,
  query: z.output<typeof CountCsvQuerySchema>,
): CountRequest {
  return { ...query, lines: countLinesFromCsv(text) };
}

const quote = (value: string) =>
  /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/**
 * Stock at one location as CSV, in the shape a count takes: `product_id,counted` first (counted =
 * on hand now), then `reserved,available,name` for people. Edited and sent back to `POST /counts`,
 * it records a count; the extra columns are ignored there.
 */
export function inventoryCsv(views: readonly ProductInventory[], location: string): string {
  const rows = ['product_id,counted,reserved,available,name'];
  for (const view of views) {
    const level = view.locations[location];
    if (!level) continue;
    rows.push(
      [view.product_id, level.on_hand, level.reserved, level.available, quote(view.name)].join(','),
    );
  }
  return `${rows.join('\r\n')}\r\n`;
}
