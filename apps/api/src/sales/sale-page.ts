import { Page, encodeCursor, isUuid, parsePageQuery } from '@flash/http';
import { SaleView, SalesService } from '@flash/sales';

/** A sales cursor: the last sale's start (ms since the epoch) and id. */
function saleCursorValid([startsAtMs, id]: string[]): boolean {
  return /^\d{1,15}$/.test(startsAtMs) && isUuid(id);
}

/** One page of sales, latest start first, from a `limit`/`cursor` query (bad ones: 400). */
export async function salePage(sales: SalesService, query: unknown): Promise<Page<SaleView>> {
  const page = parsePageQuery(query, { parts: 2, valid: saleCursorValid });
  const after = page.after && { startsAt: new Date(Number(page.after[0])), id: page.after[1] };
  const items = await sales.list(page.limit, after);
  const last = items.length === page.limit ? items[items.length - 1] : undefined;
  return {
    items,
    nextCursor: last ? encodeCursor([String(Date.parse(last.startsAt)), last.id]) : null,
  };
}
