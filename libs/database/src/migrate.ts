import { loadConfig } from '@flash/config';
import { grantAppRole } from './app-role';
import { createDataSource } from './data-source';
import { waitForDatabase } from './wait-for-database';

/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL / DATABASE_SCHEMA. Waits up
 * to MIGRATE_WAIT_SECONDS for the database to answer, since compose may start it alongside.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await waitForDatabase(
    () => createDataSource(config, 'flash-sale-migrate').initialize(),
    {
      waitMs: config.migrateWaitSeconds * 1000,
      onRetry: (err, elapsed) =>
        console.log(
          `migrate: the database does not answer yet (${(err as Error).message}); ${Math.round(elapsed / 1000)} s of ${config.migrateWaitSeconds} s`,
        ),
    },
  );
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${config.databaseSchema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    console.log(
      applied.length === 0
        ? 'migrate: schema is up to date'
        : `migrate: applied ${applied.map((m) => m.name).join(', ')}`,
    );
    const role = config.databaseAppRole;
    if (role) {
      await grantAppRole(dataSource, role, config.databaseSchema);
      console.log(
        `migrate: role ${role.name} may read and write the rows of "${config.databaseSchema}", nothing more`,
      );
    }
  } finally {
    await dataSource.destroy();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
