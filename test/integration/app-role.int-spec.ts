import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { grantAppRole } from '@flash/database';
import { destroyWorld, migrate, newWorld, sqlClient } from '../support/test-env';

/**
 * The apps' own Postgres role, as the migration step grants it: rows yes, schema no. Run on
 * the real server, as that role (the local server trusts loopback, so its password is not
 * what is tested here: its privileges are).
 */
describe("the apps' Postgres role", () => {
  const world = newWorld();
  const role = { name: `app_${randomBytes(4).toString('hex')}`, password: randomUUID() };
  let owner: Client;
  let app: Client;

  beforeAll(async () => {
    await migrate(world);
    owner = await sqlClient(world);
    await grantAppRole(owner, role, world.config.databaseSchema);
    // Twice, as every `migrate` run does: the second finds the role and grants again.
    await grantAppRole(owner, role, world.config.databaseSchema);
    const url = new URL(world.config.databaseUrl);
    url.username = role.name;
    app = new Client({
      connectionString: url.toString(),
      options: `-c search_path=${world.config.databaseSchema}`,
    });
    await app.connect();
  });

  afterAll(async () => {
    await app.end();
    await destroyWorld(world);
    await owner.query(`DROP OWNED BY "${role.name}"`);
    await owner.query(`DROP ROLE "${role.name}"`);
    await owner.end();
  });

  const refusal = (sql: string) =>
    app.query(sql).then(
      () => 'accepted',
      (err: Error) => err,
    );

  it('reads and writes rows, as the apps do', async () => {
    const saleId = randomUUID();
    await app.query(
      `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at) VALUES ($1, 'M1', 'MI1', 199900, 10, 1, now())`,
      [saleId],
    );
    await app.query(`UPDATE sales SET stock = 9 WHERE id = $1`, [saleId]);
    const { rows } = await app.query(`SELECT stock FROM sales WHERE id = $1`, [saleId]);
    expect(rows).toEqual([{ stock: 9 }]);
    await app.query(`DELETE FROM sales WHERE id = $1`, [saleId]);
  });

  it.each([
    ['drop a table', 'DROP TABLE orders'],
    ['alter a table', 'ALTER TABLE orders ADD COLUMN note text'],
    ['create a table', 'CREATE TABLE stolen (x int)'],
    ['rewrite the migrations ledger', 'DELETE FROM migrations'],
    ['make itself a superuser', 'ALTER ROLE CURRENT_USER SUPERUSER'],
    ['create a role', 'CREATE ROLE intruder LOGIN'],
  ])('cannot %s', async (_what, sql) => {
    expect(await refusal(sql)).toMatchObject({
      message: expect.stringMatching(/permission|owner|must be superuser/),
    });
  });

  it('is no superuser and holds no role above its own', async () => {
    const { rows } = await owner.query(
      `SELECT rolsuper, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = $1`,
      [role.name],
    );
    expect(rows).toEqual([
      { rolsuper: false, rolcreatedb: false, rolcreaterole: false, rolcanlogin: true },
    ]);
  });
});
