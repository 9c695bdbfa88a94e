import { ApiError } from './api-error';

/** One page of a list: at most `limit` items, after the item the cursor names. */
/** A page of a list and the cursor of the next one (null on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageQuery {
  limit: number;
  /** The cursor's parts, as the list encoded them; absent for the first page. */
  after?: string[];
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** Longer than any cursor a list hands out: a longer one is refused unread. */
const MAX_CURSOR_LENGTH = 200;

/** An opaque cursor from the key of a page's last item (its parts must not contain "|"). */
export function encodeCursor(parts: readonly string[]): string {
  return Buffer.from(parts.join('|'), 'utf8').toString('base64url');
}

/**
 * Reads `limit` and `cursor` from a query string; anything else in it is refused, so is a
 * repeated parameter, a limit out of 1..MAX_PAGE_SIZE and a cursor this list did not make
 * (`parts` says how many parts it has, `valid` checks them).
 */
export function parsePageQuery(
  query: unknown,
  cursor: { parts: number; valid: (parts: string[]) => boolean },
  allowed: readonly string[] = [],
): PageQuery {
  const q: Record<string, string> = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (!['limit', 'cursor', ...allowed].includes(name))
      throw ApiError.invalid(`unknown query parameter "${name}"`);
    if (typeof value !== 'string') throw ApiError.invalid(`${name} must be given once`);
    q[name] = value;
  }
  const page: PageQuery = { limit: DEFAULT_PAGE_SIZE };
  if (q.limit !== undefined) {
    const limit = q.limit;
    if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_PAGE_SIZE)
      throw ApiError.invalid(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
    page.limit = Number(limit);
  }
  if (q.cursor !== undefined) {
    const raw = q.cursor;
    const parts =
      raw.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(raw)
        ? Buffer.from(raw, 'base64url').toString('utf8').split('|')
        : [];
    if (parts.length !== cursor.parts || !cursor.valid(parts))
      throw ApiError.invalid('cursor is not one this list handed out');
    page.after = parts;
  }
  return page;
}
