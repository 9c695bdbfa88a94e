import { escapeIdentifier, escapeLiteral } from 'pg';

/** Runs one statement: a TypeORM DataSource or QueryRunner, or a pg Client, all fit. */
export interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

export interface AppRole {
  name: string;
  password: string;
}

/**
 * The role the apps connect as. The migration step (a superuser, or the schema's owner)
 * creates it, sets its password from the secrets, and grants it what the apps do at run time:
 * reading and writing rows in the schema's tables. No DDL, no other schema, no superuser: a
 * leaked app password can change orders, but cannot drop a table, read another database's
 * rows, or make itself more. Granted after each run of the migrations, so a new table is
 * covered by the step that created it.
 */
export async function grantAppRole(sql: SqlRunner, role: AppRole, schema: string): Promise<void> {
  const name = escapeIdentifier(role.name);
  const space = escapeIdentifier(schema);
  // CREATE ROLE has no IF NOT EXISTS; two migrations starting together may both try.
  await sql.query(`DO $$ BEGIN
    CREATE ROLE ${name};
  EXCEPTION WHEN duplicate_object THEN NULL;
  END $$`);
  await sql.query(
    `ALTER ROLE ${name} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${escapeLiteral(role.password)}`,
  );
  await sql.query(`DO $$ BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO ${name.replace(/'/g, "''")}', current_database());
  END $$`);
  await sql.query(`REVOKE CREATE ON SCHEMA ${space} FROM ${name}`);
  await sql.query(`GRANT USAGE ON SCHEMA ${space} TO ${name}`);
  await sql.query(
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${space} TO ${name}`,
  );
  await sql.query(`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${space} TO ${name}`);
  // The migrations' own ledger is the migration step's alone.
  await sql.query(`REVOKE INSERT, UPDATE, DELETE ON ${space}.migrations FROM ${name}`);
}
