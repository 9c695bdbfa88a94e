import { readFileSync } from 'node:fs';

type Env = Record<string, string | undefined>;

/**
 * Passwords for the stores, from files: compose generates them into the project's .secrets and
 * hands each app the file's path (REDIS_PASSWORD_FILE, DATABASE_PASSWORD_FILE), so no password
 * sits in an environment variable or a URL that `docker inspect` shows. The password is put
 * into the connection URL, the one place every client (ioredis, BullMQ, Sentinel, Cluster,
 * TypeORM, pg) already takes credentials from.
 */
export interface PasswordFileResult {
  url: string;
  problems: string[];
}

/** `url` with the password held in the file named by `fileVar`, if that is set. */
export function withPasswordFile(
  url: string,
  urlVar: string,
  fileVar: string,
  env: Env,
): PasswordFileResult {
  const path = env[fileVar]?.trim();
  if (!path) return { url, problems: [] };
  const read = readPasswordFile(path, fileVar);
  if (!read.ok) return { url, problems: [read.problem] };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, problems: [] }; // the URL's own check names it
  }
  if (parsed.password !== '') {
    return { url, problems: [`${urlVar} carries a password and ${fileVar} is set: set one`] };
  }
  parsed.password = encodeURIComponent(read.password);
  return { url: parsed.toString(), problems: [] };
}

export type PasswordRead = { ok: true; password: string } | { ok: false; problem: string };

/** A password file: its first line, which must not be empty. */
export function readPasswordFile(path: string, variable: string): PasswordRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, problem: `${variable}: ${(err as Error).message}` };
  }
  const password = text.split(/\r?\n/, 1)[0].trim();
  if (password === '') return { ok: false, problem: `${variable}: ${path} is empty` };
  return { ok: true, password };
}
