import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeOnce } from './write-once';

/**
 * The three secrets, and where they come from. A secret with a public value is no secret:
 * - set all three (each as NAME or as NAME_FILE, a file holding it), or none: one set alone
 *   means a deployment half-configured, and it stops, whatever NODE_ENV;
 * - with none set in production, it stops;
 * - with none set elsewhere (tests included), they are generated once per install into
 *   SECRETS_DIR (default `.secrets`) and every process of that install reads the same file, so
 *   the API, the worker, the load driver and k6 agree without anyone choosing a password;
 * - a value published in this repository (the test suite's, the k6 stand-in's) is accepted
 *   only when the test runner sets it, with NODE_ENV=test, and is then said loudly at start-up;
 * - the webhook secret must differ from the other two (one leaked secret must not sign both
 *   tokens and payments).
 */
export const SECRET_NAMES = [
  'JWT_SECRET',
  'ADMISSION_TOKEN_SECRET',
  'PAYMENT_WEBHOOK_SECRET',
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
export type Secrets = Record<SecretName, string>;

/** Public values, for the test suite, which sets them itself: refused outside NODE_ENV=test. */
export const TEST_SECRETS: Secrets = {
  JWT_SECRET: 'test-only-jwt-secret-never-use-0123456789',
  ADMISSION_TOKEN_SECRET: 'test-only-admission-secret-never-use-0123',
  PAYMENT_WEBHOOK_SECRET: 'test-only-webhook-secret-never-use-012345',
};

/**
 * Every value this repository publishes as a secret: the test suite's, and the one the k6
 * stand-ins write into a secrets file (loadtest/k6/k6-stand-ins.ts; a test keeps them equal).
 */
export const PUBLISHED_VALUES: readonly string[] = [
  ...Object.values(TEST_SECRETS),
  'stand-in-secret-for-k6-evaluation-only-0',
];

/** The file the generated secrets live in, inside SECRETS_DIR. */
export const SECRETS_FILE = 'secrets.json';
export const DEFAULT_SECRETS_DIR = '.secrets';
/** Where generated secrets are kept (the variable's name). */
const SECRETS_DIR = 'SECRETS_DIR';

/** Where the secrets came from: set, generated for this install, or published test values. */
export type SecretsSource = 'environment' | 'generated' | 'published';
/** Where each one came from, for the start-up log (never its value). */
export type SecretOrigins = Record<SecretName, string>;

export type SecretsResult =
  | { ok: true; secrets: Secrets; source: SecretsSource; origins: SecretOrigins }
  | { ok: false; problems: string[] };

type Env = Record<string, string | undefined>;

export function resolveSecrets(env: Env, nodeEnv: string): SecretsResult {
  const problems: string[] = [];
  const given: Partial<Secrets> = {};
  const origins: Partial<SecretOrigins> = {};
  for (const name of SECRET_NAMES) {
    const value = readOne(env, name, problems);
    if (value === undefined) continue;
    given[name] = value;
    origins[name] = env[`${name}_FILE`] ? `the file ${env[`${name}_FILE`]}` : `the environment`;
  }
  if (problems.length > 0) return { ok: false, problems };
  const missing = SECRET_NAMES.filter((name) => given[name] === undefined);
  if (missing.length === 0) return checkGiven(given as Secrets, origins as SecretOrigins, nodeEnv);
  if (missing.length < SECRET_NAMES.length) {
    return {
      ok: false,
      problems: [
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: set all of ${SECRET_NAMES.join(', ')}, or none to have them generated`,
      ],
    };
  }
  if (nodeEnv === 'production') {
    return {
      ok: false,
      problems: SECRET_NAMES.map((name) => `${name} is required when NODE_ENV=production`),
    };
  }
  const dir = nonEmpty(env[SECRETS_DIR]) ?? DEFAULT_SECRETS_DIR;
  try {
    const secrets = loadOrCreateSecrets(dir);
    const from = `generated into ${join(dir, SECRETS_FILE)}`;
    const all = Object.fromEntries(SECRET_NAMES.map((n) => [n, from])) as SecretOrigins;
    return { ok: true, secrets, source: 'generated', origins: all };
  } catch (err) {
    return { ok: false, problems: [`SECRETS_DIR ${dir}: ${(err as Error).message}`] };
  }
}

function checkGiven(secrets: Secrets, origins: SecretOrigins, nodeEnv: string): SecretsResult {
  const problems: string[] = [];
  const published = SECRET_NAMES.filter((name) => PUBLISHED_VALUES.includes(secrets[name]));
  if (nodeEnv !== 'test') {
    for (const name of published)
      problems.push(`${name} is a published test value; outside NODE_ENV=test set your own`);
  }
  const webhook = secrets.PAYMENT_WEBHOOK_SECRET;
  if (webhook === secrets.JWT_SECRET || webhook === secrets.ADMISSION_TOKEN_SECRET) {
    problems.push('PAYMENT_WEBHOOK_SECRET must differ from JWT_SECRET and ADMISSION_TOKEN_SECRET');
  }
  if (problems.length > 0) return { ok: false, problems };
  for (const name of published) origins[name] += ' (a published test value)';
  const source = published.length > 0 ? 'published' : 'environment';
  return { ok: true, secrets, source, origins };
}

function readOne(env: Env, name: SecretName, problems: string[]): string | undefined {
  const direct = nonEmpty(env[name]);
  const file = nonEmpty(env[`${name}_FILE`]);
  if (direct !== undefined && file !== undefined) {
    problems.push(`set ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  if (file === undefined) return direct;
  try {
    return nonEmpty(readFileSync(file, 'utf8').trim()) ?? fail(`${name}_FILE ${file} is empty`);
  } catch (err) {
    problems.push(`${name}_FILE: ${(err as Error).message}`);
    return undefined;
  }
}

/**
 * Reads the install's secrets, creating them first if this is the first process to ask.
 * Creation is atomic (a complete file is hard-linked into place), so two processes starting
 * together end up with the same secrets.
 */
export function loadOrCreateSecrets(dir: string): Secrets {
  const path = join(dir, SECRETS_FILE);
  const existing = tryRead(path);
  if (existing) return existing;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fresh = Object.fromEntries(
    SECRET_NAMES.map((name) => [name, randomBytes(32).toString('base64url')]),
  ) as Secrets;
  writeOnce(path, `${JSON.stringify(fresh, null, 2)}\n`, 0o600);
  return tryRead(path) ?? fail(`${path} is not a valid secrets file`);
}

function tryRead(path: string): Secrets | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed: unknown = JSON.parse(text);
  const record = parsed as Record<string, unknown>;
  if (SECRET_NAMES.every((n) => typeof record?.[n] === 'string' && record[n].length >= 32)) {
    return Object.fromEntries(SECRET_NAMES.map((n) => [n, record[n] as string])) as Secrets;
  }
  throw new Error(`${path} does not hold the three secrets`);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * The JWT secret a tool on this install signs with (the load driver, the demo, the benches):
 * the same resolution as the API's, so a tool run from the same directory, or with the same
 * SECRETS_DIR, signs tokens the API accepts.
 */
export function localJwtSecret(env: Env = process.env): string {
  const resolved = resolveSecrets(env, env.NODE_ENV ?? 'development');
  if (!resolved.ok) throw new Error(`secrets: ${resolved.problems.join('; ')}`);
  return resolved.secrets.JWT_SECRET;
}
