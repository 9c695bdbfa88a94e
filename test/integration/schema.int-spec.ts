import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource } from '@flash/database';
import { destroyWorld, migrate, newWorld, sqlClient } from '../support/test-env';

/** The real migrations against a fresh schema: entities must match them exactly. */
describe('migrations and entities', () => {
  const world = newWorld();
  let dataSource: DataSource;
  let sql: Client;

  beforeAll(async () => {
    await migrate(world);
    dataSource = await createDataSource(world.config, 'schema-test').initialize();
    sql = await sqlClient(world);
  });

  afterAll(async () => {
    await sql.end();
    await dataSource.destroy();
    await destroyWorld(world);
  });

  it('leave nothing for TypeORM to change (no drift)', async () => {
    const pending = await dataSource.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('are all applied and can be rolled back and re-applied', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    await dataSource.undoLastMigration();
    expect(await dataSource.showMigrations()).toBe(true);
    await dataSource.runMigrations();
    expect(await dataSource.showMigrations()).toBe(false);
  });

  describe('constraints make bad rows impossible', () => {
    const saleId = randomUUID();
    beforeAll(async () => {
      await sql.query(
        `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at) VALUES ($1, 'M1', 'MI1', 199900, 10, 1, now())`,
        [saleId],
      );
    });

    const order = (overrides: Record<string, unknown>) => {
      const row = {
        id: randomUUID(),
        sale_id: saleId,
        buyer_id: 'alice',
        quantity: 1,
        unit_price: 199900,
        status: 'pending_payment',
        ...overrides,
      };
      return sql.query(
        `INSERT INTO orders (id, sale_id, buyer_id, quantity, unit_price, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, now())`,
        [row.id, row.sale_id, row.buyer_id, row.quantity, row.unit_price, row.status],
      );
    };

    it('accepts a good order once per id', async () => {
      const id = randomUUID();
      await order({ id });
      await expect(order({ id })).rejects.toThrow(/orders_pkey/);
    });

    it.each([
      [{ quantity: 0 }, /orders_quantity_positive/],
      [{ quantity: -1 }, /orders_quantity_positive/],
      [{ unit_price: 0 }, /orders_unit_price_positive/],
      [{ status: 'shipped' }, /orders_status_known/],
      [{ buyer_id: 'bad buyer' }, /orders_buyer_id_format/],
      [{ sale_id: randomUUID() }, /orders_sale_id_fkey/],
    ])('refuses an order with %j', async (overrides, constraint) => {
      await expect(order(overrides)).rejects.toThrow(constraint);
    });

    it.each([
      ['price', 0, /sales_price_positive/],
      ['stock', 0, /sales_stock_positive/],
      ['per_user_limit', 0, /sales_per_user_limit_positive/],
    ])('refuses a sale with %s %p', async (column, value, constraint) => {
      const values: Record<string, unknown> = {
        price: 1,
        stock: 1,
        per_user_limit: 1,
        [column]: value,
      };
      await expect(
        sql.query(
          `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at) VALUES ($1, 'x', 'x', $2, $3, $4, now())`,
          [randomUUID(), values.price, values.stock, values.per_user_limit],
        ),
      ).rejects.toThrow(constraint);
    });

    it.each([
      [0, 10],
      [65, 100],
      [3, 2],
    ])('refuses a sale of %p shards for %p units', async (shards, stock) => {
      await expect(
        sql.query(
          `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at, shards) VALUES ($1, 'x', 'x', 1, $2, 1, now(), $3)`,
          [randomUUID(), stock, shards],
        ),
      ).rejects.toThrow(/sales_shards_range/);
    });

    it('refuses a sale that ends before it starts', async () => {
      await expect(
        sql.query(
          `INSERT INTO sales (id, name, sku, price, stock, per_user_limit, starts_at, ends_at) VALUES ($1, 'x', 'x', 1, 1, 1, now(), now() - interval '1 hour')`,
          [randomUUID()],
        ),
      ).rejects.toThrow(/sales_window_ordered/);
    });
  });
});
