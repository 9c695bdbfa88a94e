import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
  ConfigError,
  closeOnSignals,
  loadConfig,
  secretsReport,
  startupWarnings,
} from '@flash/config';
import { createApi } from './create-api';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApi(config);
  const logger = new Logger('api');
  closeOnSignals(app, logger);
  logger.log(secretsReport(config));
  for (const warning of startupWarnings(config)) logger.warn(warning);
  await app.listen(config.port, config.host);
  logger.log(`listening on http://${config.host}:${config.port} (docs at /docs)`);
}

main().catch((err: unknown) => {
  // A bad configuration names the variable; anything else is printed whole.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
