import { Client } from 'pg';

/**
 * Where the driver looks when told nothing: the stack `docker compose up` publishes on the
 * host (docker-compose.yml; a test holds the two together). Running without Docker, set
 * LOADTEST_URL and DATABASE_URL (or --url and --database-url) to your own.
 */
export const COMPOSE_API_URL = 'http://127.0.0.1:3000';
export const COMPOSE_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:5432/flash';

/**
 * The driver reads its invariants back from Postgres at the end of a run: check at the start
 * that it can, so a wrong DATABASE_URL costs seconds, not a whole run.
 */
export async function checkOrdersReadable(database: {
  url: string;
  schema: string;
}): Promise<void> {
  const client = new Client({
    connectionString: database.url,
    options: `-c search_path=${database.schema}`,
    connectionTimeoutMillis: 5000,
  });
  const hint =
    'set DATABASE_URL (or --database-url, and --database-schema) to the database of the stack under test';
  try {
    await client.connect();
    const { rows } = await client.query<{ orders: string | null }>(
      `SELECT to_regclass('orders')::text AS orders`,
    );
    if (!rows[0].orders)
      throw new Error(`no orders table in schema "${database.schema}" (not migrated?)`);
  } catch (err) {
    throw new Error(
      `Postgres at ${redact(database.url)}: ${err instanceof Error ? err.message : String(err)}; ${hint}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
