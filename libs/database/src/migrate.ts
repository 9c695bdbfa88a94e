import { loadConfig } from '@flash/config';
import { createDataSource } from './data-source';

/** `npm run migrate`: applies pending migrations to DATABASE_URL / DATABASE_SCHEMA. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await createDataSource(config, 'flash-sale-migrate').initialize();
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${config.databaseSchema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    console.log(
      applied.length === 0
        ? 'migrate: schema is up to date'
        : `migrate: applied ${applied.map((m) => m.name).join(', ')}`,
    );
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
