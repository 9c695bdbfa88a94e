import { randomBytes } from 'node:crypto';
import type { Pool } from 'undici';
import { mintToken } from '../bench/bench-support';
import { startSiteverify } from '../stand-ins/siteverify-stand-in';
import { Attack, call, createSale, verdict } from './attack-kit';
import type { AttackStack } from './attack-stack';

/** The shop's host name, as its Turnstile widget is configured for it. */
const SHOP = 'shop.example';

/**
 * An API of the stack with Turnstile in front of registration and queue joins, checked
 * against a loopback stand-in of siteverify, for the time `use` runs.
 */
async function withTurnstile<T>(stack: AttackStack, use: (http: Pool) => Promise<T>): Promise<T> {
  const secret = randomBytes(16).toString('hex');
  const siteverify = await startSiteverify(secret, 0);
  try {
    const settings = {
      HUMAN_CHECK: 'turnstile',
      TURNSTILE_SECRET_KEY: secret,
      TURNSTILE_VERIFY_URL: siteverify.url,
      TURNSTILE_HOSTNAMES: SHOP,
    };
    return await stack.withApi(settings, use);
  } finally {
    await siteverify.close();
  }
}

/** Bot defence: a human check that must be solved here, for this step. */
export const BOT_ATTACKS: Attack[] = [
  {
    id: 'turnstile-elsewhere',
    severity: 'medium',
    point: 9,
    title:
      'register for a sale with Turnstile tokens solved for another step, another site, or none',
    async run(stack) {
      const saleId = await createSale(stack, {
        startsAt: new Date(Date.now() + 60_000).toISOString(),
        appointments: { opensAt: new Date(Date.now() - 1000).toISOString() },
        waitingRoom: { admissionRate: 50 },
      });
      const tokens = [
        ['solved to join the line', 'human-a@join'],
        ['solved on another site', `human-b@register#evil.example`],
        ['solved for no step', 'human-c'],
        ['missing', ''],
      ];
      const statuses = await withTurnstile(stack, async (http) => {
        const answers: number[] = [];
        for (const [, token] of tokens) {
          const buyer = mintToken(`bot-${randomBytes(3).toString('hex')}`, stack.env.JWT_SECRET);
          const headers: Record<string, string> = token ? { 'human-check': token } : {};
          const path = `/sales/${saleId}/registration`;
          answers.push((await call(http, 'POST', path, { token: buyer, headers })).status);
        }
        return answers;
      });
      const sql = await stack.sql();
      const rows = await sql.query('SELECT 1 FROM registrations WHERE sale_id = $1', [saleId]);
      await sql.end();
      return verdict(
        statuses.every((s) => s === 403) && rows.rowCount === 0,
        `${tokens.map(([what], i) => `${what} ${statuses[i]}`).join(', ')}; registered: ${rows.rowCount}`,
      );
    },
  },
];
