import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCRIPTS } from './inventory.commands';

/** The key count ioredis is told must be the one each script's header documents. */
describe('inventory scripts', () => {
  it.each(SCRIPTS.map((s) => [s.file, s.keys]))(
    '%s takes %i keys, as its header says',
    (file, keys) => {
      const source = readFileSync(join(__dirname, 'lua', String(file)), 'utf8');
      const header = source.slice(0, source.indexOf(']]'));
      const documented = [...header.matchAll(/^\s+KEYS\[(\d+)\]/gm)].map((m) => Number(m[1]));
      expect(documented).toEqual(Array.from({ length: Number(keys) }, (_, i) => i + 1));
    },
  );
});
