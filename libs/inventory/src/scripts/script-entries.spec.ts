import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisKeys } from '@flash/redis';
import { REPLY_KINDS, SCRIPTS, ScriptName, resolveKey } from './script-entries';

const header = (file: string) => {
  const source = readFileSync(join(__dirname, '..', 'lua', file), 'utf8');
  return source.slice(0, source.indexOf(']]'));
};

const entries = Object.entries(SCRIPTS) as [ScriptName, (typeof SCRIPTS)[ScriptName]][];

/** Each entry against its script's header: the gateway cannot drift from the Lua. */
describe('the script entries', () => {
  // The header's third column is the key's pattern: the prefix as <p>, the sale as ID (its
  // shard as ID:h or ID:k), the buyer as <buyer>, the rate-limit tracker as <key>, the
  // registration bucket as N. Swapping two keys in an entry shows here.
  it.each(entries)('%s passes, at each KEYS position, the key its header names', (_, entry) => {
    const documented = [...header(entry.file).matchAll(/^\s+KEYS\[\d+\]\s.*?(<p>\S+)/gm)].map((m) =>
      m[1].replace(/\{sale:ID:[hk]\}/, '{sale:ID}'),
    );
    const keys = new RedisKeys('<p>');
    const context = { saleId: 'ID', buyerId: '<buyer>', tracker: '<key>' };
    const passed = entry.keys.map((name) =>
      resolveKey(keys, name, context).replace(/:reg:\d+$/, ':reg:N'),
    );
    expect(passed).toEqual(documented);
  });

  it.each(entries)('%s passes the named ARGV its header documents, in number', (_, entry) => {
    const text = header(entry.file);
    const named = [...text.matchAll(/^\s+ARGV\[(\d+)\]/gm)].map((m) => Number(m[1]));
    expect(named).toEqual(Object.keys(entry.args).map((_arg, i) => i + 1));
    // "ARGV[1..n]" or "ARGV[6..]": the rest of the arguments is a list.
    expect(/^\s+ARGV\[\d+\.\./m.test(text)).toBe(entry.rest !== undefined);
  });

  it.each(Object.entries(REPLY_KINDS))(
    "%s decodes every reply code its header names, by the header's name",
    (name, kinds) => {
      const text = header(SCRIPTS[name as ScriptName].file);
      const returns = text.slice(text.search(/^\s+Returns/m));
      const documented = [...returns.matchAll(/^\s+(\d+)\s+([A-Z_]+\b|[a-z]+(?: [a-z]+)*)/gm)]
        .map((m) => [Number(m[1]), m[2].toLowerCase().replace(/ /g, '_')] as const)
        .sort((a, b) => a[0] - b[0]);
      expect(documented).toEqual(kinds?.map((kind, code) => [code, kind]));
    },
  );

  it('refuses a reply code no entry knows', () => {
    expect(() => SCRIPTS.purchase.decode([99, '', 0, 0], undefined as never)).toThrow(
      /purchase.lua answered an unknown code 99/,
    );
  });

  it('decodes a purchase into its outcome', () => {
    const decode = (reply: unknown[]) => SCRIPTS.purchase.decode(reply, undefined as never);
    expect(decode([0, 'o1', 2, 8])).toEqual({
      kind: 'accepted',
      orderId: 'o1',
      quantity: 2,
      remaining: 8,
    });
    expect(decode([12, '', 750, 8])).toEqual({
      kind: 'rate_limited',
      retryAfterMs: 750,
      remaining: 8,
    });
    expect(decode([3, '', 0, 8])).toEqual({ kind: 'limit_reached', remaining: 8 });
  });
});
