import { parseArgs } from 'node:util';
import { localJwtSecret } from '@flash/config';
import { COMPOSE_API_URL } from '../driver/targets';
import { createDemo } from './demo';

/**
 * npm run demo [-- --url http://127.0.0.1:3000 --in 10 --stock 100 --limit 2]
 * Creates a sale on a running stack (compose or local) and prints the curl lines to try it.
 * JWT_SECRET must be the stack's (the development default unless you changed it).
 */
const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.LOADTEST_URL ?? COMPOSE_API_URL },
    in: { type: 'string', default: '10' },
    stock: { type: 'string', default: '100' },
    limit: { type: 'string', default: '2' },
  },
});

createDemo({
  url: args.url,
  jwtSecret: localJwtSecret(),
  opensInSeconds: Number(args.in),
  stock: Number(args.stock),
  perUserLimit: Number(args.limit),
})
  .then((demo) => console.log(demo.lines.join('\n')))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
