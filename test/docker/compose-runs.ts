import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { RunProgress, RunResult } from '../../loadtest/driver/run-types';
import { runScenario } from '../../loadtest/driver/run-scenario';
import { loadScenarioFile, resolveScenario } from '../../loadtest/driver/scenario';
import type { ComposeStack } from './compose-stack';
import { dockerLog } from './compose-stack';
import { run } from './docker-engine';
import { parseDemo, readmeCommands } from './readme-commands';

/** The README's short driver run: a 1 % youth-2012, found by its scale. */
const README_DRIVER = /--scenario youth-2012 --mode max --scale 0\.01\b/;

/**
 * The README's demo line from the host against the stack, then the curl lines it prints, as
 * a user would paste them: buy, the same key again, read, pay, cancel a paid order, stats.
 */
export async function readmeDemo(stack: ComposeStack): Promise<void> {
  const { demo } = readmeCommands(join(stack.clone, 'README.md'));
  const ran = run('bash', ['-c', demo], { cwd: stack.clone, env: stack.env, timeoutMs: 900_000 });
  expect({ status: ran.status, stderr: ran.status === 0 ? '' : ran.stderr }).toEqual({
    status: 0,
    stderr: '',
  });
  const output = parseDemo(ran.stdout);
  expect(output.vars.API).toBe(stack.apiUrl);
  const wait = output.opensAt.getTime() - Date.now() + 500;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const [sale, purchase, order, pay, cancel, stats] = output.curls;
  const curl = (line: string, extra: Record<string, string> = {}) => {
    const answer = run('bash', ['-c', line], {
      cwd: stack.clone,
      env: { ...stack.env, ...output.vars, ...extra },
    });
    return JSON.parse(answer.stdout) as Record<string, unknown>;
  };
  expect(curl(sale)).toMatchObject({ id: output.vars.SALE, status: 'live' });
  const bought = curl(purchase);
  expect(bought).toMatchObject({ saleId: output.vars.SALE, status: 'pending_payment' });
  const ORDER = bought.orderId as string;
  expect(curl(purchase)).toMatchObject({ orderId: ORDER }); // the same key, the same order
  expect(curl(order, { ORDER })).toMatchObject({ id: ORDER });
  expect(curl(pay, { ORDER })).toMatchObject({ id: ORDER, status: 'paid' });
  expect(curl(cancel, { ORDER })).toMatchObject({ error: { code: 'ORDER_CLOSED' } });
  expect(curl(stats)).toMatchObject({ paid: 1, held: 0 });
}

/** The README's 1 % driver line, run from the host as written; its result file, read back. */
export function readmeDriver(stack: ComposeStack): { command: string; result: RunResult } {
  const { loadtest } = readmeCommands(join(stack.clone, 'README.md'));
  const command = loadtest.find((line) => README_DRIVER.test(line));
  if (!command) throw new Error(`README.md has no driver line matching ${README_DRIVER}`);
  dockerLog(`driver: ${command}`);
  const ran = run('bash', ['-c', command], {
    cwd: stack.clone,
    env: stack.env,
    timeoutMs: 900_000,
  });
  const written = /results written to (\S+)\.json/.exec(ran.stdout);
  if (!written)
    throw new Error(`the driver wrote no result (${ran.status}):\n${ran.stdout}\n${ran.stderr}`);
  dockerLog(ran.stdout.split('\n').slice(-40).join('\n'));
  const file = isAbsolute(written[1]) ? written[1] : join(stack.clone, written[1]);
  return { command, result: JSON.parse(readFileSync(`${file}.json`, 'utf8')) as RunResult };
}

/**
 * A 1 % sale of `scenario` in max mode, in this process, through `url`: payments come 20x
 * sooner, as in the README's line. A waiting room admits 3,000 buyers a second.
 */
export function drive(
  stack: ComposeStack,
  url: string,
  scenarioName: string,
  onProgress?: (p: RunProgress) => void,
): Promise<RunResult> {
  const scenario = resolveScenario(loadScenarioFile(), scenarioName);
  return runScenario({
    url,
    scenario,
    mode: 'max',
    scale: 0.01,
    timeScale: 0.05,
    connections: 64,
    limitSeconds: 240,
    warmupRequests: 2000,
    admissionRate: 3000,
    jwtSecret: stack.jwtSecret,
    database: { url: stack.databaseUrl, schema: 'public' },
    onProgress,
  });
}

/**
 * The 1 % youth-2012 run with a fault: `inject` is called once, when `share` of the units
 * are sold.
 */
export function driveWithFault(
  stack: ComposeStack,
  url: string,
  fault: { share: number; inject: (p: RunProgress) => void },
): Promise<RunResult> {
  let injected = false;
  return drive(stack, url, 'youth-2012', (p) => {
    if (injected || p.sold < p.units * fault.share) return;
    injected = true;
    fault.inject(p);
  });
}

/** The invariants that failed, by name and detail: an empty list when all held. */
export function failedInvariants(result: RunResult): string[] {
  return result.invariants.filter((i) => !i.ok).map((i) => `${i.name}: ${i.detail}`);
}
