import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHold } from './inventory.service';
import { PurchaseCode } from './purchase-code';

describe('parseHold', () => {
  it('reads the hold purchase.lua writes', () => {
    expect(parseHold('s', 'o', 'alice|2|1337000000000|1337001800000')).toEqual({
      orderId: 'o',
      saleId: 's',
      buyerId: 'alice',
      quantity: 2,
      createdAt: new Date(1337000000000),
      expiresAt: new Date(1337001800000),
    });
  });
});

describe('purchase.lua header', () => {
  it('documents every PurchaseCode with the same number', () => {
    const lua = readFileSync(join(__dirname, 'lua', 'purchase.lua'), 'utf8');
    const names: Record<string, string> = {
      Accepted: 'ACCEPTED',
      Replayed: 'REPLAYED',
      SoldOut: 'SOLD_OUT',
      LimitReached: 'LIMIT_REACHED',
      NotStarted: 'NOT_STARTED',
      Ended: 'ENDED',
      StateMissing: 'STATE_MISSING',
    };
    for (const [key, label] of Object.entries(names)) {
      const code = PurchaseCode[key as keyof typeof PurchaseCode];
      expect(lua).toMatch(new RegExp(`^\\s+${code}\\s+${label}\\b`, 'm'));
      expect(lua).toMatch(new RegExp(`return \\{${code},`));
    }
  });
});
