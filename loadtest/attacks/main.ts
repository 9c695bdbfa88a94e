import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../faults/fault-stack';
import { Severity } from './attack-kit';
import { AttackResult, attackLine, runAttacks } from './run-attacks';

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];

/**
 * npm run attacks [-- --only critical,high] [--no-record]: every attack of the security
 * issue against real processes on loopback (API behind HAProxy, worker, queue board), one
 * line each, refused or not; records docs/results/attacks.md. Exits 1 if any was accepted.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : SEVERITIES;
  const severities = SEVERITIES.filter((s) => only.includes(s));
  // Redis is the suite's own (with a password, as compose runs it); Postgres is the machine's.
  const base = {
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  };
  for (const url of [base.databaseUrl]) {
    const host = new URL(url).hostname;
    if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host))
      throw new Error(`attacks run against loopback only, not ${host}`);
  }
  const started = Date.now();
  const results = await runAttacks(severities, base, (r) => console.log(attackLine(r)));
  const accepted = results.filter((r) => !r.verdict.refused).length;
  console.log(`${results.length - accepted} refused, ${accepted} accepted`);
  if (!args.includes('--no-record') && severities.length === SEVERITIES.length)
    record(results, Date.now() - started);
  process.exitCode = accepted > 0 ? 1 : 0;
}

function record(results: AttackResult[], tookMs: number): void {
  const accepted = results.filter((r) => !r.verdict.refused).length;
  const rows = results.map(
    ({ attack, verdict }) =>
      `| ${attack.severity} | ${attack.point} | \`${attack.id}\` | ${attack.title} | ${verdict.refused ? 'refused' : '**accepted**'} | ${verdict.detail.replace(/\|/g, '/')} |`,
  );
  const text = `# The attack suite: ${results.length - accepted} refused, ${accepted} accepted

\`npm run attacks\` on ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${Math.round(tookMs / 1000)} s. The API behind HAProxy, the worker and the queue board as real processes on loopback, dev tokens on, every limit at its default, \`METRICS_TOKEN\` set; Redis with a generated password, the apps on a Postgres role granted rows only, HAProxy's statistics behind a password, as compose runs them. Point: the point of the security issue the attack reproduces (docs/security.md).

| severity | point | attack | what it tries | verdict | what happened |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Point \`fuzz\`: the earlier input fuzzers, in short (\`test/e2e/bad-input.e2e-spec.ts\` has the
full tables). Point 14's Redis, Postgres role and balancer run as compose configures them;
Grafana cannot be run here, so its entrypoint's guard is run with compose's environment.
The Turnstile and Stripe attacks start an API of their own beside the stack's, against
loopback stand-ins of siteverify and of Stripe's API (\`loadtest/stand-ins\`); their full
tables are in \`test/e2e/human-check.e2e-spec.ts\` and \`test/e2e/stripe-payments.e2e-spec.ts\`.
`;
  const file = join(repositoryRoot(__dirname), 'docs', 'results', 'attacks.md');
  writeFileSync(file, text);
  console.log(`recorded ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
