import { ApiError } from './api-error';
import { DEFAULT_PAGE_SIZE, encodeCursor, parsePageQuery } from './page-query';

const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
const one = { parts: 1, valid: ([id]: string[]) => id === uuid };

const rejection = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof ApiError) return err.message;
    throw err;
  }
  return 'accepted';
};

describe('parsePageQuery', () => {
  it('defaults the page size and reads a cursor it handed out', () => {
    expect(parsePageQuery({}, one)).toEqual({ limit: DEFAULT_PAGE_SIZE });
    expect(parsePageQuery(undefined, one)).toEqual({ limit: DEFAULT_PAGE_SIZE });
    expect(parsePageQuery({ limit: '7', cursor: encodeCursor([uuid]) }, one)).toEqual({
      limit: 7,
      after: [uuid],
    });
    expect(parsePageQuery({ status: 'paid' }, one, ['status'])).toEqual({ limit: 50 });
  });

  it.each([
    [{ limit: '0' }, /limit/],
    [{ limit: '201' }, /limit/],
    [{ limit: '1.5' }, /limit/],
    [{ limit: '-1' }, /limit/],
    [{ limit: '1e2' }, /limit/],
    [{ limit: ['1', '2'] }, /once/],
    [{ cursor: 'not a cursor!' }, /cursor/],
    [{ cursor: encodeCursor(['x']) }, /cursor/],
    [{ cursor: encodeCursor([uuid, 'extra']) }, /cursor/],
    [{ cursor: 'A'.repeat(500) }, /cursor/],
    [{ sort: 'id' }, /unknown query parameter "sort"/],
  ])('refuses %j', (query, message) => {
    expect(rejection(() => parsePageQuery(query, one))).toMatch(message);
  });
});
