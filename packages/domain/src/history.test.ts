import { describe, expect, it } from 'vitest';
import { EventsQuerySchema, HISTORY_PAGE_MAX } from './history.js';
import { fieldErrors } from './requests.js';

function errorsOf(query: Record<string, unknown>) {
  const result = EventsQuerySchema.safeParse(query);
  return result.success ? {} : fieldErrors(result.error);
}

describe('EventsQuerySchema', () => {
  it('reads query-string values into typed filters, with a default page size', () => {
    expect(
      EventsQuerySchema.parse({
        product_id: 'OLJCESPC7Z',
        location: 'main-store',
        update_type: 'sale,damage',
        since: '2026-11-23T12:00:00Z',
        until: '2026-11-23T14:00:00+01:00',
        before: '120',
        after: '7',
      }),
    ).toEqual({
      product_id: 'OLJCESPC7Z',
      location: 'main-store',
      update_type: ['sale', 'damage'],
      since: '2026-11-23T12:00:00Z',
      until: '2026-11-23T14:00:00+01:00',
      before: 120,
      after: 7,
      limit: 50,
    });
    expect(EventsQuerySchema.parse({ limit: String(HISTORY_PAGE_MAX) }).limit).toBe(
      HISTORY_PAGE_MAX,
    );
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: String(HISTORY_PAGE_MAX + 1) }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ before: '-3' }, 'before'],
    [{ after: '1.5' }, 'after'],
    [{ update_type: 'sale,theft' }, 'update_type'],
    [{ since: 'yesterday' }, 'since'],
    [{ until: '2026-11-23' }, 'until'],
    [{ product_id: 'bad id!' }, 'product_id'],
    [{ location: ['a', 'b'] }, 'location'],
    [{ warehouse: 'main-store' }, 'warehouse'],
  ])('names the bad parameter in %j', (query, param) => {
    expect(Object.keys(errorsOf(query))).toEqual([param]);
  });

  it('refuses an empty window of ids or time', () => {
    expect(Object.keys(errorsOf({ before: '10', after: '9' }))).toEqual(['after']);
    expect(
      Object.keys(errorsOf({ since: '2026-11-23T13:00:00Z', until: '2026-11-23T12:00:00Z' })),
    ).toEqual(['since']);
  });
});
