import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { checkSolution, issueChallenge, solveChallenge } from '@flash/bot-defence';
import { formatSpread, machineDescription, spreadOf } from './bench-support';

/**
 * npm run bench:pow -- [--rounds 5] [--difficulty 18] [--solutions 8] [--record]
 *
 * What a proof of work costs each side, alternated in one run:
 * - a person's browser: the pages' own Web Worker (the built dist/web bundle, @noble/hashes)
 *   in Debian's Chromium, headless;
 * - a script on one core: Node's one-shot SHA-256 (solveChallenge, what the load driver
 *   uses);
 * - one core of a bot farm: OpenSSL's SHA-256 in C (`openssl speed`, messages of the
 *   challenge's length), what a farm that cares would run;
 * - the server: one check (HMAC, SHA-256), which is all a gate costs per request.
 * Each round solves `--solutions` fresh challenges of `--difficulty` bits on each side and
 * counts hashes per second (tries / time). Prints min, median and max over the rounds; with
 * --record writes docs/results/pow-cost.md.
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    difficulty: { type: 'string', default: '18' },
    solutions: { type: 'string', default: '8' },
    record: { type: 'boolean', default: false },
  },
});

const SECRET = 'pow-bench-secret-'.padEnd(40, 'x');
const WEB = join(__dirname, '..', '..', 'web');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
};

function challenges(count: number, difficulty: number, round: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    issueChallenge(
      {
        saleId: `bench-${round}`,
        buyerId: `buyer-${i}`,
        difficulty,
        expiresAtMs: Date.now() + 3_600_000,
      },
      SECRET,
    ),
  );
}

/** The built pages on a loopback port, so the worker loads as the shop serves it. */
async function serveWeb(): Promise<{ url: string; worker: string; close: () => void }> {
  const assets = readdirSync(join(WEB, 'assets'));
  const worker = assets.find((f) => f.startsWith('proof-of-work.worker') && f.endsWith('.js'));
  if (!worker) throw new Error('no proof-of-work worker in dist/web: run npm run build');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const file = join(WEB, path === '/' ? 'index.html' : path);
    if (!file.startsWith(WEB)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    worker: `/assets/${worker}`,
    close: () => server.close(),
  };
}

interface Side {
  hashesPerSecond: number;
}

function nodeRound(list: string[], difficulty: number): Side {
  let tries = 0;
  const started = process.hrtime.bigint();
  for (const challenge of list) tries += parseInt(solveChallenge(challenge, difficulty), 36) + 1;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { hashesPerSecond: tries / seconds };
}

/** OpenSSL's SHA-256 on one core, for messages as long as a challenge and its solution. */
function nativeRound(messageBytes: number): Side {
  const out = execFileSync(
    'openssl',
    ['speed', '-seconds', '1', '-bytes', String(messageBytes), 'sha256'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const line = out.split('\n').find((l) => /^sha256\s/.test(l));
  const kilobytes = Number(line?.trim().split(/\s+/)[1]?.replace(/k$/, ''));
  if (!Number.isFinite(kilobytes)) throw new Error(`cannot read openssl speed: ${out}`);
  return { hashesPerSecond: (kilobytes * 1000) / messageBytes };
}

function checkMicroseconds(list: string[], difficulty: number): number {
  const solved = list.map((c) => [c, solveChallenge(c, difficulty)] as const);
  const started = process.hrtime.bigint();
  let n = 0;
  for (let r = 0; r < 500; r++) {
    for (const [challenge, solution] of solved) {
      checkSolution(challenge, solution, SECRET, {
        saleId: challenge.split('.')[1],
        buyerId: challenge.split('.')[2],
        nowMs: Date.now(),
      });
      n++;
    }
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / n;
}

async function main(): Promise<void> {
  const rounds = Number(args.rounds);
  const difficulty = Number(args.difficulty);
  const count = Number(args.solutions);
  const web = await serveWeb();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  const page = await browser.newPage();
  await page.goto(web.url);
  const browserRates: number[] = [];
  const nodeRates: number[] = [];
  const nativeRates: number[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      const list = challenges(count, difficulty, round);
      const inBrowser = await page.evaluate(
        async ({ worker, list, difficulty }) => {
          // The root tsconfig has no DOM types: the page's Worker, typed by hand.
          type Report = { data: { kind: string; tries: number } };
          type PageWorker = {
            onmessage: ((e: Report) => void) | null;
            postMessage(message: unknown): void;
            terminate(): void;
          };
          const { Worker } = globalThis as unknown as {
            Worker: new (url: string, options: { type: string }) => PageWorker;
          };
          const w = new Worker(worker, { type: 'module' });
          let tries = 0;
          const started = performance.now();
          for (const challenge of list) {
            tries += await new Promise<number>((resolve) => {
              w.onmessage = (e) => {
                if (e.data.kind === 'solved') resolve(e.data.tries);
              };
              w.postMessage({ challenge, difficulty });
            });
          }
          const seconds = (performance.now() - started) / 1000;
          w.terminate();
          return { hashesPerSecond: tries / seconds };
        },
        { worker: web.worker, list, difficulty },
      );
      const inNode = nodeRound(challenges(count, difficulty, round + 1000), difficulty);
      const native = nativeRound(list[0].length + 2);
      browserRates.push(inBrowser.hashesPerSecond);
      nodeRates.push(inNode.hashesPerSecond);
      nativeRates.push(native.hashesPerSecond);
      const m = (side: Side) => (side.hashesPerSecond / 1e6).toFixed(2);
      console.log(
        `round ${round}: M hashes/s: browser ${m(inBrowser)}, Node ${m(inNode)}, ` +
          `OpenSSL ${m(native)}`,
      );
    }
  } finally {
    await browser.close();
    web.close();
  }
  const check = checkMicroseconds(challenges(200, 8, 0), 8);
  const lines = report(
    { browser: browserRates, node: nodeRates, native: nativeRates },
    check,
    difficulty,
    count,
    rounds,
  );
  console.log(['', ...lines].join('\n'));
  if (args.record) {
    const command =
      `npm run bench:pow -- --rounds ${rounds} --difficulty ${difficulty} ` +
      `--solutions ${count} --record`;
    writeFileSync(
      join('docs', 'results', 'pow-cost.md'),
      [
        '# What a proof of work costs',
        '',
        `Recorded ${new Date().toISOString()} on ${machineDescription()}, with \`${command}\`.`,
        '',
        ...lines,
        '',
      ].join('\n'),
    );
  }
}

function report(
  rates: { browser: number[]; node: number[]; native: number[] },
  checkUs: number,
  difficulty: number,
  count: number,
  rounds: number,
): string[] {
  const mega = (values: number[]) => spreadOf(values.map((r) => r / 1e6));
  const browser = mega(rates.browser);
  const node = mega(rates.node);
  const native = mega(rates.native);
  const ratio = spreadOf(rates.native.map((r, i) => r / rates.browser[i]));
  const seconds = (bits: number, megaRate: number) => 2 ** bits / (megaRate * 1e6);
  return [
    `Each round: ${count} challenges of ${difficulty} bits solved by the pages' Web Worker`,
    "(`@noble/hashes`) in headless Chromium and by Node's one-shot SHA-256 (the load driver's",
    "solver), and one second of OpenSSL's SHA-256 on messages of a challenge's length; the",
    `sides alternated, ${rounds} rounds, one core each. Hashes per second are tries over time:`,
    'median (min-max).',
    '',
    '| side | M hashes/s |',
    '| --- | --: |',
    `| a person's browser (Web Worker, Chromium) | ${formatSpread(browser, 2)} |`,
    `| a script in Node, one core | ${formatSpread(node, 2)} |`,
    `| a bot farm's core (OpenSSL, C) | ${formatSpread(native, 2)} |`,
    `| farm core / browser | ${formatSpread(ratio, 1)} |`,
    '',
    `The server checks a solution in ${checkUs.toFixed(1)} µs (HMAC and SHA-256, no Redis), the`,
    'same at any difficulty. A GPU (none here, so not measured) hashes orders of magnitude',
    'faster than a core: against a farm of them no difficulty a phone can pay stops anyone.',
    '',
    'Seconds per solution on average (2^d hashes) at the medians above, and the accounts one',
    "farm core can supply within a challenge's life of 30 s:",
    '',
    '| difficulty | browser, s | Node core, s | farm core, s | accounts per farm core in 30 s |',
    '| --: | --: | --: | --: | --: |',
    ...[16, 18, 20, 22, 24].map((bits) => {
      const f = seconds(bits, native.median);
      return (
        `| ${bits} | ${seconds(bits, browser.median).toFixed(2)} | ` +
        `${seconds(bits, node.median).toFixed(2)} | ${f.toFixed(2)} | ${Math.floor(30 / f)} |`
      );
    }),
  ];
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
